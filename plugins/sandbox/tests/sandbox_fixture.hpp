// SandboxFixture: a scratch state file and a FakeHost per test, and a way to
// build a sandbox capability object on them as the plugin's factory does
// (parse the settings, open the state file). Test-only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "plugins/sandbox/settings.hpp"
#include "plugins/sandbox/state_file.hpp"
#include "tests/integration/hub_process.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::sandbox::testing {

class SandboxFixture : public ::testing::Test {
 protected:
  // Settings with state_file set to this test's file, plus `extra`.
  nlohmann::json settings(nlohmann::json extra = nlohmann::json::object()) const {
    extra["state_file"] = state_file();
    return extra;
  }
  std::string state_file() const { return dir_.file("sandbox.db"); }

  // A new Impl over a new FakeHost (kept in the fixture) with `settings`;
  // nullptr (and a test failure) when the settings or the file are refused.
  // Calling it again on the same settings is a hub restart.
  template <typename Impl>
  std::unique_ptr<Impl> make(const nlohmann::json& instance_settings) {
    hosts_.push_back(std::make_unique<sdk::testing::FakeHost>(instance_settings));
    hosts_.back()->set_now(now_);
    auto parsed = parse_settings(hosts_.back()->settings());
    if (!parsed.ok()) {
      ADD_FAILURE() << parsed.error().message;
      return nullptr;
    }
    auto state = StateFile::open(parsed->state_file);
    if (!state.ok()) {
      ADD_FAILURE() << state.error().message;
      return nullptr;
    }
    return std::make_unique<Impl>(*hosts_.back(), std::move(*parsed), std::move(*state));
  }

  void set_now(std::chrono::system_clock::time_point now) {
    now_ = now;
    for (auto& host : hosts_) host->set_now(now);
  }

  static constexpr std::int64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z

 private:
  wasl::testing::TempDir dir_;
  std::vector<std::unique_ptr<sdk::testing::FakeHost>> hosts_;
  std::chrono::system_clock::time_point now_{std::chrono::milliseconds(kStartMs)};
};

}  // namespace wasl::plugins::sandbox::testing
