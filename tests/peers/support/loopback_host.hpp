// LoopbackHost: a Host over the hub's real HTTP client (libcurl) with
// in-memory state and secrets, for driving a plugin's classes directly
// against its peer, without loading the plugin library. A test double:
// never shipped. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/plugin_host/http_client.hpp"
#include "hub/plugin_host/process_runner.hpp"
#include "wasl/sdk/host.hpp"

namespace wasl::testing {

class LoopbackHost final : public sdk::Host {
 public:
  explicit LoopbackHost(nlohmann::json settings = nlohmann::json::object(),
                        std::string instance_name = "test.loopback");

  // secret(name) answers `value` from now on (kNotFound for names never set).
  void set_secret(std::string name, std::string value);

  // run_process runs these programs, through the hub's ProcessRunner (as the
  // hub does for an instance's x-executable settings); none before this call.
  void allow_executables(std::vector<std::string> programs);

  sdk::Result<sdk::HttpResponse> http(const sdk::HttpRequest& request) override;
  sdk::Result<sdk::HttpResponse> http_streaming(const sdk::HttpRequest& request,
                                                const sdk::ChunkSink& sink) override;
  const nlohmann::json& settings() const override { return settings_; }
  sdk::Result<std::string> secret(std::string_view name) override;
  // Log lines are dropped.
  void log(sdk::LogLevel, std::string_view) override {}
  std::chrono::system_clock::time_point now() override { return std::chrono::system_clock::now(); }
  sdk::Result<std::optional<nlohmann::json>> state_get(std::string_view key) override;
  sdk::Status state_put(std::string_view key, const nlohmann::json& value) override;
  const std::string& instance_name() const override { return instance_name_; }
  sdk::Result<sdk::ProcessResult> run_process(const sdk::ProcessRequest& request) override;

 private:
  const nlohmann::json settings_;
  const std::string instance_name_;
  plugin_host::HttpClient client_;
  std::mutex mutex_;
  std::map<std::string, nlohmann::json> state_;
  std::map<std::string, std::string> secrets_;
  std::unique_ptr<plugin_host::ProcessRunner> processes_;
};

}  // namespace wasl::testing
