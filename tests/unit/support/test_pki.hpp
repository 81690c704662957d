// TestPki: the throwaway mutual TLS certificates of scripts/test-pki, made
// once per test process in a private temporary directory (removed at exit).
// Files: ca.crt/.key, server.crt/.key, client.crt/.key, client.p12 (password
// "wasl-test"), client-expired.crt/.key, other-ca.crt/.key,
// other-server.crt/.key, other-client.crt/.key. Test-only.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace wasl::testing {

class TestPki {
 public:
  // The directory, made on first use; throws when openssl fails.
  static const TestPki& get() {
    static const TestPki pki;
    return pki;
  }

  std::filesystem::path path(const std::string& name) const { return dir_ / name; }

  // A file's whole content.
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path(name).string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 private:
  TestPki() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "wasl-pki-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::string command = std::string("'") + WASL_SOURCE_DIR + "/scripts/test-pki' '" +
                          dir_.string() + "' --days 2 > '" + (dir_ / "test-pki.log").string() +
                          "' 2>&1";
    if (std::system(command.c_str()) != 0) {
      throw std::runtime_error("scripts/test-pki failed; see " + (dir_ / "test-pki.log").string());
    }
  }

  std::filesystem::path dir_;
};

}  // namespace wasl::testing
