#include "plugins/moh/settings.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "MOH settings: " + std::move(message), false);
}

std::string string_at(const json& settings, const char* a, const char* b = nullptr) {
  if (!settings.is_object()) return {};
  auto it = settings.find(a);
  if (it == settings.end()) return {};
  if (b != nullptr) {
    if (!it->is_object()) return {};
    auto inner = it->find(b);
    return inner != it->end() && inner->is_string() ? inner->get<std::string>() : std::string();
  }
  return it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<MohSettings> parse_settings(const json& settings, sdk::Host& host) {
  MohSettings out;
  out.base_url = string_at(settings, "base_url");
  while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  out.file_drop_directory = string_at(settings, "file_drop_directory");
  if (out.base_url.empty() && out.file_drop_directory.empty()) {
    return invalid("set base_url (HTTPS delivery), file_drop_directory (file drop) or both");
  }
  if (!out.base_url.empty()) {
    const bool http = out.base_url.rfind("http://", 0) == 0 && out.base_url.size() > 7;
    const bool https = out.base_url.rfind("https://", 0) == 0 && out.base_url.size() > 8;
    if ((!http && !https) || out.base_url.find_first_of("?# ") != std::string::npos) {
      return invalid("base_url must be an absolute http:// or https:// URL without a query");
    }
  }
  const std::string auth = string_at(settings, "auth");
  if (auth == "mutual_tls") {
    out.auth = ReceiverAuth::kMutualTls;
  } else if (!auth.empty() && auth != "bearer") {
    return invalid("auth must be bearer or mutual_tls");
  }
  if (!out.base_url.empty() && out.auth == ReceiverAuth::kBearer) {
    out.bearer_token = string_at(settings, "bearer_token");
    if (out.bearer_token.empty()) {
      auto secret = host.secret("bearer_token");
      if (secret.ok()) {
        out.bearer_token = *secret;
      } else if (secret.error().code != ErrorCode::kNotFound) {
        return Error(secret.error().code,
                     "reading the instance secret 'bearer_token' failed: " +
                         secret.error().message,
                     secret.error().retryable);
      }
    }
    if (out.bearer_token.empty()) {
      return invalid("bearer_token is missing: set it in the instance settings (from a secret) "
                     "or as the instance secret 'bearer_token', or use auth: mutual_tls");
    }
  }
  if (!out.base_url.empty() && out.auth == ReceiverAuth::kMutualTls &&
      (string_at(settings, "http", "client_cert_file").empty() ||
       string_at(settings, "http", "client_key_file").empty())) {
    return invalid("auth: mutual_tls needs http.client_cert_file and http.client_key_file "
                   "(the client certificate the receiver trusts, and its key)");
  }
  if (auto it = settings.find("request_timeout_ms");
      it != settings.end() && it->is_number_integer()) {
    const auto ms = it->get<long long>();
    if (ms < 100 || ms > 600000) {
      return invalid("request_timeout_ms must be an integer between 100 and 600000");
    }
    out.request_timeout = std::chrono::milliseconds(ms);
  }
  return out;
}

}  // namespace wasl::plugins::moh
