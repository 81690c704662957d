// ProviderAnswerHost: a Host for the provider-answer fuzz targets. Every HTTP
// request, whatever its URL, is answered with the status and body the target
// set (the fuzz input); streaming requests too, in one chunk. Settings,
// secrets, clock and state are the SDK's FakeHost's. A test double.
#pragma once

#include <string>
#include <utility>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::fuzz {

class ProviderAnswerHost final : public sdk::Host {
 public:
  explicit ProviderAnswerHost(nlohmann::json settings = nlohmann::json::object(),
                              std::string instance_name = "fuzz.instance")
      : fake_(std::move(settings), std::move(instance_name)) {}

  // The answer to every later request.
  void answer(int status, std::string body) {
    status_ = status;
    body_ = std::move(body);
  }

  sdk::Result<sdk::HttpResponse> http(const sdk::HttpRequest& /*request*/) override {
    return sdk::HttpResponse{status_, {{"Content-Type", "application/json"}}, body_};
  }
  sdk::Result<sdk::HttpResponse> http_streaming(const sdk::HttpRequest& /*request*/,
                                                const sdk::ChunkSink& sink) override {
    auto status = sink(body_);
    if (!status.ok()) return status.error();
    return sdk::HttpResponse{status_, {{"Content-Type", "application/json"}}, {}};
  }
  const nlohmann::json& settings() const override { return fake_.settings(); }
  sdk::Result<std::string> secret(std::string_view name) override { return fake_.secret(name); }
  void log(sdk::LogLevel /*level*/, std::string_view /*message*/) override {}  // kept nowhere
  std::chrono::system_clock::time_point now() override { return fake_.now(); }
  sdk::Result<std::optional<nlohmann::json>> state_get(std::string_view key) override {
    return fake_.state_get(key);
  }
  sdk::Status state_put(std::string_view key, const nlohmann::json& value) override {
    return fake_.state_put(key, value);
  }
  const std::string& instance_name() const override { return fake_.instance_name(); }

  // The status a target's first input byte chooses: mostly success, sometimes
  // an error status so the error readers see the body too.
  static int status_from(unsigned char byte) {
    static constexpr int kStatuses[] = {200, 200, 200, 201, 400, 401, 404, 409, 429, 500, 503};
    return kStatuses[byte % (sizeof kStatuses / sizeof kStatuses[0])];
  }

 private:
  sdk::testing::FakeHost fake_;
  int status_ = 200;
  std::string body_;
};

}  // namespace wasl::fuzz
