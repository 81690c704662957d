#include "abi_host.hpp"

#include <cstddef>

#include "wasl/sdk/http_wire.hpp"
#include "wasl/sdk/wire_error.hpp"

namespace wasl::sdk::glue {

namespace {

Error missing(std::string_view what) {
  return Error(ErrorCode::kUnimplemented,
               "the hub does not offer " + std::string(what) + " to this plugin");
}

struct StreamContext {
  const ChunkSink* sink;
  std::optional<Error> error;
};

int deliver_chunk(void* ctx, const uint8_t* data, size_t size) {
  auto* stream = static_cast<StreamContext*>(ctx);
  try {
    Status status = (*stream->sink)(std::string_view(reinterpret_cast<const char*>(data), size));
    if (status.ok()) return WASL_OK;
    stream->error = status.error();
  } catch (const std::exception& e) {
    stream->error =
        Error(ErrorCode::kInternal, std::string("a chunk sink threw an exception: ") + e.what());
  } catch (...) {
    stream->error = Error(ErrorCode::kInternal, "a chunk sink threw an exception");
  }
  return WASL_ERROR;
}

}  // namespace

AbiHost::AbiHost(const wasl_host_api* host) : host_(host), settings_(nlohmann::json::object()) {
  if (WASL_STRUCT_HAS(host_, wasl_host_api, settings_json) && host_->settings_json != nullptr) {
    settings_ = nlohmann::json::parse(host_->settings_json, nullptr, /*allow_exceptions=*/false);
    if (settings_.is_discarded()) settings_ = nlohmann::json::object();
  }
  if (WASL_STRUCT_HAS(host_, wasl_host_api, instance_name) && host_->instance_name != nullptr) {
    instance_name_ = host_->instance_name;
  }
}

std::string AbiHost::take(char* s) const {
  if (s == nullptr) return {};
  std::string out(s);
  if (WASL_STRUCT_HAS(host_, wasl_host_api, free_string) && host_->free_string != nullptr) {
    host_->free_string(host_->ctx, s);
  }
  return out;
}

namespace {
bool offers_client_certificate(const wasl_host_api* host) {
  return WASL_STRUCT_HAS(host, wasl_host_api, client_certificate) &&
         host->client_certificate != nullptr;
}
}  // namespace

Status AbiHost::check_mutual_tls(const HttpRequest& request) const {
  if (!request.mutual_tls || offers_client_certificate(host_)) return {};
  return Error(ErrorCode::kFailedPrecondition,
               instance_name_ +
                   ": this hub predates plugin ABI 1.1 and cannot present a client "
                   "certificate for mutual TLS; upgrade the hub",
               false);
}

Result<ClientCertificate> AbiHost::client_certificate() {
  if (!offers_client_certificate(host_)) {
    return Error(ErrorCode::kFailedPrecondition,
                 instance_name_ +
                     ": this hub predates plugin ABI 1.1 and has no client "
                     "certificates for mutual TLS",
                 false);
  }
  char* out = nullptr;
  int rc = host_->client_certificate(host_->ctx, &out);
  std::string text = take(out);
  if (rc == WASL_NOT_FOUND) {
    return Error(ErrorCode::kNotFound,
                 "instance " + instance_name_ + " has no client certificate (settings tls)");
  }
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (rc != WASL_OK) return error_from_json(parsed);
  try {
    return parsed.get<ClientCertificate>();
  } catch (const nlohmann::json::exception&) {
    return Error(ErrorCode::kInternal,
                 "the hub described the client certificate in a form "
                 "this plugin cannot read");
  }
}

Result<ProcessResult> AbiHost::run_process(const ProcessRequest& request) {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, run_process) || host_->run_process == nullptr) {
    return Error(ErrorCode::kUnimplemented,
                 instance_name_ +
                     ": this hub predates plugin ABI 1.9 and runs no processes; "
                     "upgrade the hub",
                 false);
  }
  std::string in = process_request_to_json(request).dump();
  char* out = nullptr;
  int rc = host_->run_process(host_->ctx, in.c_str(), &out);
  auto parsed = nlohmann::json::parse(take(out), nullptr, false);
  if (rc != WASL_OK) return error_from_json(parsed);
  return process_result_from_json(parsed);
}

Result<HttpResponse> AbiHost::http(const HttpRequest& request) {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, http_request) || host_->http_request == nullptr) {
    return missing("HTTP");
  }
  WASL_RETURN_IF_ERROR(check_mutual_tls(request));
  std::string in = http_request_to_json(request).dump();
  char* out = nullptr;
  int rc = host_->http_request(host_->ctx, in.c_str(), &out);
  auto parsed = nlohmann::json::parse(take(out), nullptr, false);
  if (rc != WASL_OK) return error_from_json(parsed);
  return http_response_from_json(parsed);
}

Result<HttpResponse> AbiHost::http_streaming(const HttpRequest& request, const ChunkSink& sink) {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, http_request_streaming) ||
      host_->http_request_streaming == nullptr) {
    return missing("streaming HTTP");
  }
  WASL_RETURN_IF_ERROR(check_mutual_tls(request));
  std::string in = http_request_to_json(request).dump();
  StreamContext stream{&sink, std::nullopt};
  char* out = nullptr;
  int rc = host_->http_request_streaming(host_->ctx, in.c_str(), &deliver_chunk, &stream, &out);
  auto parsed = nlohmann::json::parse(take(out), nullptr, false);
  if (stream.error) return *stream.error;
  if (rc != WASL_OK) return error_from_json(parsed);
  return http_response_from_json(parsed);
}

Result<std::string> AbiHost::secret(std::string_view name) {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, secret) || host_->secret == nullptr) {
    return missing("secrets");
  }
  std::string key(name);
  char* out = nullptr;
  int rc = host_->secret(host_->ctx, key.c_str(), &out);
  std::string value = take(out);
  if (rc == WASL_OK) return value;
  if (rc == WASL_NOT_FOUND) {
    return Error(ErrorCode::kNotFound,
                 "secret '" + key + "' is not configured for " + instance_name_);
  }
  return error_from_json(nlohmann::json::parse(value, nullptr, false));
}

void AbiHost::log(LogLevel level, std::string_view message) {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, log) || host_->log == nullptr) return;
  std::string text(message);
  host_->log(host_->ctx, static_cast<int>(level), text.c_str());
}

std::chrono::system_clock::time_point AbiHost::now() {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, now_unix_ms) || host_->now_unix_ms == nullptr) {
    return std::chrono::system_clock::now();
  }
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(host_->now_unix_ms(host_->ctx)));
}

Result<std::optional<nlohmann::json>> AbiHost::state_get(std::string_view key) {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, state_get) || host_->state_get == nullptr) {
    return missing("state storage");
  }
  std::string k(key);
  char* out = nullptr;
  int rc = host_->state_get(host_->ctx, k.c_str(), &out);
  std::string text = take(out);
  if (rc == WASL_NOT_FOUND) return std::optional<nlohmann::json>();
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (rc != WASL_OK) return error_from_json(parsed);
  if (parsed.is_discarded()) {
    return Error(ErrorCode::kInternal, "the hub returned state that is not JSON");
  }
  return std::optional<nlohmann::json>(std::move(parsed));
}

Status AbiHost::state_put(std::string_view key, const nlohmann::json& value) {
  if (!WASL_STRUCT_HAS(host_, wasl_host_api, state_put) || host_->state_put == nullptr) {
    return missing("state storage");
  }
  std::string k(key);
  std::string v = value.dump();
  char* out = nullptr;
  int rc = host_->state_put(host_->ctx, k.c_str(), v.c_str(), &out);
  std::string text = take(out);
  if (rc == WASL_OK) return {};
  return error_from_json(nlohmann::json::parse(text, nullptr, false));
}

}  // namespace wasl::sdk::glue
