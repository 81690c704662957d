// FakeHost: a Host for a vendor's unit tests, without the hub. Canned HTTP
// responses by method and URL, every request recorded, settings, secrets, a
// settable clock, in-memory state and captured log lines. A test double:
// never ship it in a plugin. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/host.hpp"

namespace wasl::sdk::testing {

class FakeHost final : public Host {
 public:
  explicit FakeHost(nlohmann::json settings = nlohmann::json::object(),
                    std::string instance_name = "test.instance")
      : settings_(std::move(settings)), instance_name_(std::move(instance_name)) {}

  // Every later request with this method and exact URL gets `response` (the
  // latest registration wins). Requests with no canned answer get kUnavailable.
  void respond(std::string method, std::string url, HttpResponse response) {
    std::lock_guard lock(mutex_);
    canned_[{std::move(method), std::move(url)}] = std::move(response);
  }
  // Every later request with this method and URL fails with `error`.
  void fail(std::string method, std::string url, Error error) {
    std::lock_guard lock(mutex_);
    failures_.insert_or_assign(std::make_pair(std::move(method), std::move(url)), std::move(error));
  }
  void set_secret(std::string name, std::string value) {
    std::lock_guard lock(mutex_);
    secrets_[std::move(name)] = std::move(value);
  }
  // The client certificate client_certificate() describes; mutual_tls
  // requests are refused until one is set.
  void set_client_certificate(ClientCertificate certificate) {
    std::lock_guard lock(mutex_);
    client_certificate_ = std::move(certificate);
  }
  // Every later secret(name) fails with `error` (a secret store outage).
  void fail_secret(std::string name, Error error) {
    std::lock_guard lock(mutex_);
    secret_failures_.insert_or_assign(std::move(name), std::move(error));
  }
  void set_now(std::chrono::system_clock::time_point now) {
    std::lock_guard lock(mutex_);
    now_ = now;
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::pair<LogLevel, std::string>> logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  std::map<std::string, nlohmann::json> state() const {
    std::lock_guard lock(mutex_);
    return state_;
  }

  Result<HttpResponse> http(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (request.mutual_tls && !client_certificate_) {
      return Error(ErrorCode::kFailedPrecondition,
                   instance_name_ +
                       ": mutual TLS was asked for but settings tls names no client "
                       "certificate",
                   false);
    }
    auto key = std::make_pair(request.method, request.url);
    if (auto f = failures_.find(key); f != failures_.end()) return f->second;
    auto it = canned_.find(key);
    if (it == canned_.end()) {
      return Error(ErrorCode::kUnavailable,
                   "FakeHost has no canned response for " + request.method + " " + request.url);
    }
    return it->second;
  }

  // Delivers the canned body in chunks of at most `stream_chunk_size` bytes.
  Result<HttpResponse> http_streaming(const HttpRequest& request, const ChunkSink& sink) override {
    auto response = http(request);
    if (!response.ok()) return response;
    std::string body = std::move(response->body);
    response->body.clear();
    for (std::size_t at = 0; at < body.size(); at += stream_chunk_size) {
      Status status = sink(std::string_view(body).substr(at, stream_chunk_size));
      if (!status.ok()) return status.error();
    }
    return response;
  }

  const nlohmann::json& settings() const override { return settings_; }

  Result<std::string> secret(std::string_view name) override {
    std::lock_guard lock(mutex_);
    if (auto f = secret_failures_.find(std::string(name)); f != secret_failures_.end()) {
      return f->second;
    }
    auto it = secrets_.find(std::string(name));
    if (it == secrets_.end()) {
      return Error(ErrorCode::kNotFound, "secret '" + std::string(name) + "' is not set");
    }
    return it->second;
  }

  void log(LogLevel level, std::string_view message) override {
    std::lock_guard lock(mutex_);
    logs_.emplace_back(level, std::string(message));
  }

  std::chrono::system_clock::time_point now() override {
    std::lock_guard lock(mutex_);
    return now_.value_or(std::chrono::system_clock::now());
  }

  Result<std::optional<nlohmann::json>> state_get(std::string_view key) override {
    std::lock_guard lock(mutex_);
    auto it = state_.find(std::string(key));
    if (it == state_.end()) return std::optional<nlohmann::json>();
    return std::optional<nlohmann::json>(it->second);
  }

  Status state_put(std::string_view key, const nlohmann::json& value) override {
    std::lock_guard lock(mutex_);
    state_[std::string(key)] = value;
    return {};
  }

  const std::string& instance_name() const override { return instance_name_; }

  Result<ClientCertificate> client_certificate() override {
    std::lock_guard lock(mutex_);
    if (!client_certificate_) {
      return Error(ErrorCode::kNotFound,
                   "instance " + instance_name_ + " has no client certificate (settings tls)");
    }
    return *client_certificate_;
  }

  std::size_t stream_chunk_size = 4096;

 private:
  mutable std::mutex mutex_;
  nlohmann::json settings_;
  std::string instance_name_;
  std::map<std::pair<std::string, std::string>, HttpResponse> canned_;
  std::map<std::pair<std::string, std::string>, Error> failures_;
  std::map<std::string, std::string> secrets_;
  std::map<std::string, Error> secret_failures_;
  std::optional<std::chrono::system_clock::time_point> now_;
  std::optional<ClientCertificate> client_certificate_;
  std::vector<HttpRequest> requests_;
  std::vector<std::pair<LogLevel, std::string>> logs_;
  std::map<std::string, nlohmann::json> state_;
};

}  // namespace wasl::sdk::testing
