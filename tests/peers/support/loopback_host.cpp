#include "tests/peers/support/loopback_host.hpp"

namespace wasl::testing {

namespace {

plugin_host::HttpRequest to_client_request(const sdk::HttpRequest& request) {
  return plugin_host::HttpRequest{request.method, request.url,     request.headers,
                                  request.body,   request.timeout, std::nullopt};
}

}  // namespace

LoopbackHost::LoopbackHost(nlohmann::json settings, std::string instance_name)
    : settings_(std::move(settings)), instance_name_(std::move(instance_name)), client_({}) {}

void LoopbackHost::allow_executables(std::vector<std::string> programs) {
  std::lock_guard lock(mutex_);
  processes_ = std::make_unique<plugin_host::ProcessRunner>(instance_name_, std::move(programs));
}

sdk::Result<sdk::ProcessResult> LoopbackHost::run_process(const sdk::ProcessRequest& request) {
  plugin_host::ProcessRunner* runner = nullptr;
  {
    std::lock_guard lock(mutex_);
    runner = processes_.get();
  }
  if (runner == nullptr) return sdk::Host::run_process(request);
  return runner->run(request);
}

void LoopbackHost::set_secret(std::string name, std::string value) {
  std::lock_guard lock(mutex_);
  secrets_[std::move(name)] = std::move(value);
}

sdk::Result<sdk::HttpResponse> LoopbackHost::http(const sdk::HttpRequest& request) {
  WASL_ASSIGN_OR_RETURN(auto response, client_.send(to_client_request(request)));
  return sdk::HttpResponse{response.status, response.headers, response.body};
}

sdk::Result<sdk::HttpResponse> LoopbackHost::http_streaming(const sdk::HttpRequest& request,
                                                            const sdk::ChunkSink& sink) {
  WASL_ASSIGN_OR_RETURN(auto response,
                        client_.send_streaming(to_client_request(request),
                                               [&](std::string_view c) { return sink(c).ok(); }));
  return sdk::HttpResponse{response.status, response.headers, ""};
}

sdk::Result<std::string> LoopbackHost::secret(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = secrets_.find(std::string(name));
  if (it == secrets_.end()) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "no secret '" + std::string(name) + "'");
  }
  return it->second;
}

sdk::Result<std::optional<nlohmann::json>> LoopbackHost::state_get(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = state_.find(std::string(key));
  if (it == state_.end()) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(it->second);
}

sdk::Status LoopbackHost::state_put(std::string_view key, const nlohmann::json& value) {
  std::lock_guard lock(mutex_);
  state_[std::string(key)] = value;
  return {};
}

}  // namespace wasl::testing
