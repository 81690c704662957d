// The NPHIES peer of a test binary: started once for the whole binary with
// the certificates of scripts/test-pki, reset before each test. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "tests/peers/nphies/nphies_peer_process.hpp"

namespace wasl::plugins::nphies::testing {

class PeerEnvironment {
 public:
  static PeerEnvironment& get() {
    static PeerEnvironment environment;
    return environment;
  }

  // The peer, or a fatal test failure naming why it is not there.
  NphiesPeerProcess* peer() {
    if (!peer_) ADD_FAILURE() << problem_;
    return peer_.get();
  }
  const std::filesystem::path& pki() const { return pki_; }
  std::string read(const std::string& name) const {
    std::ifstream in(pki_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  PeerEnvironment() {
    if (auto deps = NphiesPeerProcess::ensure_dependencies(std::chrono::seconds(300)); !deps.ok()) {
      problem_ = "the NPHIES peer cannot be installed: " + deps.error().message;
      return;
    }
    auto pki = NphiesPeerProcess::make_pki("nphies");
    if (!pki.ok()) {
      problem_ = "no test certificates: " + pki.error().message;
      return;
    }
    pki_ = *pki;
    auto started = NphiesPeerProcess::start(pki_, {}, std::chrono::seconds(120));
    if (!started.ok()) {
      problem_ = "the NPHIES peer did not start: " + started.error().message;
      return;
    }
    peer_ = std::move(started).value();
  }

  std::filesystem::path pki_;
  std::unique_ptr<NphiesPeerProcess> peer_;
  std::string problem_;
};

}  // namespace wasl::plugins::nphies::testing
