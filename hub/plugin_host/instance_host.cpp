#include "hub/plugin_host/instance_host.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "wasl/sdk/http_wire.hpp"
#include "wasl/sdk/process.hpp"
#include "wasl/sdk/timestamp.hpp"
#include "wasl/sdk/wire_error.hpp"

namespace wasl::plugin_host {

namespace {

using nlohmann::json;

char* to_c_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

int fail(char** out, const sdk::Error& error) {
  if (out != nullptr) *out = to_c_string(sdk::error_to_json(error).dump());
  return WASL_ERROR;
}

sdk::Error unavailable(const InstanceHost& host, const char* what) {
  return sdk::Error(sdk::ErrorCode::kUnimplemented,
                    std::string(what) + " is not available to " + host.instance_name(), false);
}

sdk::Result<sdk::HttpRequest> parse_request(const char* request_json) {
  json j = json::parse(request_json != nullptr ? request_json : "", nullptr, false);
  if (j.is_discarded()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "the HTTP request is not JSON", false);
  }
  return sdk::http_request_from_json(j);
}

HttpRequest to_client_request(sdk::HttpRequest request) {
  HttpRequest out;
  out.method = std::move(request.method);
  out.url = std::move(request.url);
  out.headers = std::move(request.headers);
  out.body = std::move(request.body);
  out.total_timeout = request.timeout;
  return out;
}

// "2026-11-21T10:00:00Z" for messages.
std::string utc_text(std::int64_t unix_ms) {
  return sdk::format_iso8601(unix_ms, 0, sdk::FractionDigits::kNone);
}

// A failed mutual TLS exchange names the instance whose identity it was.
sdk::Error naming_instance(const std::string& instance, sdk::Error error) {
  if (error.code == sdk::ErrorCode::kFailedPrecondition) {
    error.message = instance + ": " + error.message;
  }
  return error;
}

std::string to_wire(HttpResponse response) {
  sdk::HttpResponse out;
  out.status = response.status;
  out.headers = std::move(response.headers);
  out.body = std::move(response.body);
  return sdk::http_response_to_json(out).dump();
}

template <typename Body>
int guarded(char** out, Body&& body) {
  if (out != nullptr) *out = nullptr;
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(
        out,
        sdk::Error(sdk::ErrorCode::kInternal,
                   std::string("the hub failed to serve a plugin request: ") + e.what(), false));
  } catch (...) {
    return fail(out, sdk::Error(sdk::ErrorCode::kInternal,
                                "the hub failed to serve a plugin request", false));
  }
}

}  // namespace

InstanceHost::InstanceHost(std::string instance_name, const nlohmann::json& settings,
                           std::vector<std::string> redact, InstanceServices services)
    : instance_name_(std::move(instance_name)),
      settings_json_(settings.dump()),
      services_(std::move(services)),
      redact_(std::move(redact)) {
  table_.struct_size = sizeof(wasl_host_api);
  table_.ctx = this;
  table_.http_request = &InstanceHost::http_request;
  table_.http_request_streaming = &InstanceHost::http_request_streaming;
  table_.secret = &InstanceHost::secret;
  table_.log = &InstanceHost::log;
  table_.now_unix_ms = &InstanceHost::now_unix_ms;
  table_.state_get = &InstanceHost::state_get;
  table_.state_put = &InstanceHost::state_put;
  table_.free_string = &InstanceHost::free_string;
  table_.client_certificate = &InstanceHost::client_certificate;
  table_.run_process = &InstanceHost::run_process;
  table_.settings_json = settings_json_.c_str();
  table_.instance_name = instance_name_.c_str();
}

InstanceHost::~InstanceHost() {
  if (services_.processes) services_.processes->stop_all();
}

std::string InstanceHost::redact(std::string message) const {
  std::lock_guard lock(redact_mutex_);
  for (const auto& value : redact_) {
    if (value.empty()) continue;
    for (auto at = message.find(value); at != std::string::npos;
         at = message.find(value, at + 10)) {
      message.replace(at, value.size(), "[redacted]");
    }
  }
  return message;
}

sdk::Result<HttpClient*> InstanceHost::client_for(const sdk::HttpRequest& request) const {
  using sdk::Error;
  using sdk::ErrorCode;
  if (!request.mutual_tls) {
    if (!services_.http) return unavailable(*this, "HTTP");
    return services_.http.get();
  }
  if (!services_.mutual_tls_http || !services_.client_certificate) {
    return Error(ErrorCode::kFailedPrecondition,
                 instance_name_ +
                     ": mutual TLS was asked for but the instance's settings name "
                     "no client certificate (tls.client_certificate and "
                     "tls.client_key, or tls.client_pkcs12)",
                 false);
  }
  if (request.url.rfind("https://", 0) != 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 instance_name_ + ": mutual TLS needs an https:// URL; nothing was sent", false);
  }
  const sdk::ClientCertificate& cert = *services_.client_certificate;
  auto now = services_.clock ? services_.clock() : std::chrono::system_clock::now();
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (now_ms > cert.not_after_ms) {
    return Error(ErrorCode::kFailedPrecondition,
                 instance_name_ + ": the client certificate " + cert.subject + " (serial " +
                     cert.serial_hex + ") expired at " + utc_text(cert.not_after_ms) +
                     "; renew it and replace settings tls; nothing was sent",
                 false);
  }
  if (now_ms < cert.not_before_ms) {
    return Error(ErrorCode::kFailedPrecondition,
                 instance_name_ + ": the client certificate " + cert.subject + " (serial " +
                     cert.serial_hex + ") is not valid before " + utc_text(cert.not_before_ms) +
                     "; nothing was sent",
                 false);
  }
  return services_.mutual_tls_http.get();
}

int InstanceHost::http_request(void* ctx, const char* request_json, char** response_json) {
  auto* self = static_cast<InstanceHost*>(ctx);
  return guarded(response_json, [&] {
    auto parsed = parse_request(request_json);
    if (!parsed.ok()) return fail(response_json, parsed.error());
    auto client = self->client_for(*parsed);
    if (!client.ok()) return fail(response_json, client.error());
    const bool mutual = parsed->mutual_tls;
    auto response = (*client)->send(to_client_request(std::move(parsed).value()));
    if (!response.ok()) {
      return fail(response_json, mutual ? naming_instance(self->instance_name_, response.error())
                                        : response.error());
    }
    *response_json = to_c_string(to_wire(std::move(response).value()));
    return WASL_OK;
  });
}

int InstanceHost::http_request_streaming(void* ctx, const char* request_json,
                                         wasl_chunk_fn on_chunk, void* chunk_ctx,
                                         char** response_json) {
  auto* self = static_cast<InstanceHost*>(ctx);
  return guarded(response_json, [&] {
    if (on_chunk == nullptr) {
      return fail(response_json, sdk::Error(sdk::ErrorCode::kInvalidArgument,
                                            "streaming HTTP needs a chunk callback", false));
    }
    auto parsed = parse_request(request_json);
    if (!parsed.ok()) return fail(response_json, parsed.error());
    auto client = self->client_for(*parsed);
    if (!client.ok()) return fail(response_json, client.error());
    const bool mutual = parsed->mutual_tls;
    auto response = (*client)->send_streaming(
        to_client_request(std::move(parsed).value()), [&](std::string_view chunk) {
          return on_chunk(chunk_ctx, reinterpret_cast<const uint8_t*>(chunk.data()),
                          chunk.size()) == WASL_OK;
        });
    if (!response.ok()) {
      return fail(response_json, mutual ? naming_instance(self->instance_name_, response.error())
                                        : response.error());
    }
    *response_json = to_c_string(to_wire(std::move(response).value()));
    return WASL_OK;
  });
}

int InstanceHost::secret(void* ctx, const char* name, char** value) {
  auto* self = static_cast<InstanceHost*>(ctx);
  return guarded(value, [&] {
    if (self->services_.secrets == nullptr || name == nullptr) return WASL_NOT_FOUND;
    auto found = self->services_.secrets->lookup(self->instance_name_, name);
    if (!found.ok()) return fail(value, found.error());
    if (!found.value()) return WASL_NOT_FOUND;
    {
      std::lock_guard lock(self->redact_mutex_);
      const std::string& secret_value = **found;
      if (std::find(self->redact_.begin(), self->redact_.end(), secret_value) ==
          self->redact_.end()) {
        self->redact_.push_back(secret_value);
      }
    }
    *value = to_c_string(**found);
    return WASL_OK;
  });
}

void InstanceHost::log(void* ctx, int level, const char* message) {
  try {
    auto* self = static_cast<InstanceHost*>(ctx);
    spdlog::level::level_enum spd = spdlog::level::info;
    switch (level) {
      case WASL_LOG_TRACE: spd = spdlog::level::trace; break;
      case WASL_LOG_DEBUG: spd = spdlog::level::debug; break;
      case WASL_LOG_INFO: spd = spdlog::level::info; break;
      case WASL_LOG_WARN: spd = spdlog::level::warn; break;
      default: spd = spdlog::level::err; break;
    }
    spdlog::log(spd, "plugin instance {}: {}", self->instance_name_,
                self->redact(message != nullptr ? message : ""));
  } catch (...) {
    // A log line that cannot be written is dropped.
  }
}

int64_t InstanceHost::now_unix_ms(void* ctx) {
  auto* self = static_cast<InstanceHost*>(ctx);
  auto now = self->services_.clock ? self->services_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

int InstanceHost::state_get(void* ctx, const char* key, char** value_json) {
  auto* self = static_cast<InstanceHost*>(ctx);
  return guarded(value_json, [&] {
    if (self->services_.state == nullptr) return fail(value_json, unavailable(*self, "state"));
    auto found = self->services_.state->get(self->instance_name_, key != nullptr ? key : "");
    if (!found.ok()) return fail(value_json, found.error());
    if (!found.value()) return WASL_NOT_FOUND;
    *value_json = to_c_string(**found);
    return WASL_OK;
  });
}

int InstanceHost::state_put(void* ctx, const char* key, const char* value_json, char** error_json) {
  auto* self = static_cast<InstanceHost*>(ctx);
  return guarded(error_json, [&] {
    if (self->services_.state == nullptr) return fail(error_json, unavailable(*self, "state"));
    const char* text = value_json != nullptr ? value_json : "null";
    if (json::parse(text, nullptr, false).is_discarded()) {
      return fail(error_json, sdk::Error(sdk::ErrorCode::kInvalidArgument,
                                         "a state value must be JSON", false));
    }
    auto status = self->services_.state->put(self->instance_name_, key != nullptr ? key : "", text);
    if (!status.ok()) return fail(error_json, status.error());
    return WASL_OK;
  });
}

void InstanceHost::free_string(void*, char* s) { std::free(s); }

int InstanceHost::client_certificate(void* ctx, char** certificate_json) {
  auto* self = static_cast<InstanceHost*>(ctx);
  return guarded(certificate_json, [&] {
    if (!self->services_.client_certificate) return WASL_NOT_FOUND;
    *certificate_json = to_c_string(json(*self->services_.client_certificate).dump());
    return WASL_OK;
  });
}

int InstanceHost::run_process(void* ctx, const char* request_json, char** result_json) {
  auto* self = static_cast<InstanceHost*>(ctx);
  return guarded(result_json, [&] {
    if (!self->services_.processes) {
      return fail(result_json, unavailable(*self, "running a process"));
    }
    json j = json::parse(request_json != nullptr ? request_json : "", nullptr, false);
    if (j.is_discarded()) {
      return fail(result_json, sdk::Error(sdk::ErrorCode::kInvalidArgument,
                                          "the process request is not JSON", false));
    }
    auto request = sdk::process_request_from_json(j);
    if (!request.ok()) return fail(result_json, request.error());
    auto result = self->services_.processes->run(*request);
    if (!result.ok()) return fail(result_json, result.error());
    *result_json = to_c_string(sdk::process_result_to_json(*result).dump());
    return WASL_OK;
  });
}

}  // namespace wasl::plugin_host
