// ScriptedHost: a test double over the SDK's FakeHost that runs a hook
// before each HTTP request, so a test can change the canned answers between
// calls (an answer that changes once a POST happened). Never shipped.
#pragma once

#include <functional>
#include <string>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::twilio::testing {

class ScriptedHost final : public sdk::Host {
 public:
  explicit ScriptedHost(sdk::testing::FakeHost& fake) : fake_(fake) {}

  // Runs before every request reaches the FakeHost (on the calling thread).
  std::function<void(const sdk::HttpRequest&)> before_request;

  sdk::Result<sdk::HttpResponse> http(const sdk::HttpRequest& request) override {
    if (before_request) before_request(request);
    return fake_.http(request);
  }
  sdk::Result<sdk::HttpResponse> http_streaming(const sdk::HttpRequest& request,
                                                const sdk::ChunkSink& sink) override {
    if (before_request) before_request(request);
    return fake_.http_streaming(request, sink);
  }
  const nlohmann::json& settings() const override { return fake_.settings(); }
  sdk::Result<std::string> secret(std::string_view name) override { return fake_.secret(name); }
  void log(sdk::LogLevel level, std::string_view message) override { fake_.log(level, message); }
  std::chrono::system_clock::time_point now() override { return fake_.now(); }
  sdk::Result<std::optional<nlohmann::json>> state_get(std::string_view key) override {
    return fake_.state_get(key);
  }
  sdk::Status state_put(std::string_view key, const nlohmann::json& value) override {
    return fake_.state_put(key, value);
  }
  const std::string& instance_name() const override { return fake_.instance_name(); }

 private:
  sdk::testing::FakeHost& fake_;
};

}  // namespace wasl::plugins::twilio::testing
