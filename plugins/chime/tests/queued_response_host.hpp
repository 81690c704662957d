// QueuedResponseHost: a test double over the SDK's FakeHost whose HTTP answers
// can be queued per method and URL (consumed in order, then FakeHost's canned
// answer applies), for calls whose answer changes between attempts. Every
// request is recorded by the FakeHost underneath. Thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::chime::testing {

class QueuedResponseHost final : public sdk::Host {
 public:
  explicit QueuedResponseHost(nlohmann::json settings = nlohmann::json::object())
      : fake(std::move(settings), "video.chime-test") {}

  void queue(std::string method, std::string url, sdk::HttpResponse response) {
    std::lock_guard lock(mutex_);
    queued_[{std::move(method), std::move(url)}].push_back(std::move(response));
  }

  sdk::Result<sdk::HttpResponse> http(const sdk::HttpRequest& request) override {
    auto answer = fake.http(request);  // records the request
    std::lock_guard lock(mutex_);
    auto it = queued_.find({request.method, request.url});
    if (it != queued_.end() && !it->second.empty()) {
      auto response = std::move(it->second.front());
      it->second.pop_front();
      return response;
    }
    return answer;
  }
  // A queued answer is streamed in chunks of fake.stream_chunk_size.
  sdk::Result<sdk::HttpResponse> http_streaming(const sdk::HttpRequest& request,
                                                const sdk::ChunkSink& sink) override {
    std::optional<sdk::HttpResponse> queued;
    {
      std::lock_guard lock(mutex_);
      auto it = queued_.find({request.method, request.url});
      if (it != queued_.end() && !it->second.empty()) {
        queued = std::move(it->second.front());
        it->second.pop_front();
      }
    }
    if (!queued) return fake.http_streaming(request, sink);
    (void)fake.http(request);  // records the request
    std::string body = std::move(queued->body);
    queued->body.clear();
    for (std::size_t at = 0; at < body.size(); at += fake.stream_chunk_size) {
      auto status = sink(std::string_view(body).substr(at, fake.stream_chunk_size));
      if (!status.ok()) return status.error();
    }
    return *queued;
  }
  const nlohmann::json& settings() const override { return fake.settings(); }
  sdk::Result<std::string> secret(std::string_view name) override { return fake.secret(name); }
  void log(sdk::LogLevel level, std::string_view message) override { fake.log(level, message); }
  std::chrono::system_clock::time_point now() override { return fake.now(); }
  sdk::Result<std::optional<nlohmann::json>> state_get(std::string_view key) override {
    return fake.state_get(key);
  }
  sdk::Status state_put(std::string_view key, const nlohmann::json& value) override {
    return fake.state_put(key, value);
  }
  const std::string& instance_name() const override { return fake.instance_name(); }

  sdk::testing::FakeHost fake;

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::deque<sdk::HttpResponse>> queued_;
};

inline sdk::HttpResponse json_response(
    int status, const nlohmann::json& body,
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  sdk::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("x-amzn-RequestId", "req-" + std::to_string(status));
  if (!body.is_null()) r.body = body.dump();
  return r;
}

inline sdk::HttpResponse aws_error(int status, const std::string& code, const std::string& message,
                                   const std::string& retry_after = "") {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"x-amzn-ErrorType", code + "Exception"}};
  if (!retry_after.empty()) headers.emplace_back("Retry-After", retry_after);
  return json_response(status, {{"Code", code}, {"Message", message}, {"RequestId", "rid-" + code}},
                       std::move(headers));
}

}  // namespace wasl::plugins::chime::testing
