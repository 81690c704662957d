#include "plugins/fhir/settings.hpp"

#include <cctype>

#include "plugins/fhir/client_assertion.hpp"

namespace wasl::plugins::fhir {

bool is_fhir_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id) {
    if (!std::isalnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "FHIR settings: " + std::move(message), false);
}

std::string string_at(const json& settings, const char* key) {
  auto it = settings.find(key);
  return it != settings.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int int_at(const json& settings, const char* key, int fallback) {
  auto it = settings.find(key);
  return it != settings.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

// The setting `key`, else the instance secret of that name.
Result<std::string> setting_or_secret(const json& settings, const char* key, sdk::Host& host) {
  std::string value = string_at(settings, key);
  if (!value.empty()) return value;
  auto secret = host.secret(key);
  if (secret.ok()) return *secret;
  if (secret.error().code == ErrorCode::kNotFound) return std::string();
  return Error(
      secret.error().code,
      std::string("reading the instance secret '") + key + "' failed: " + secret.error().message,
      secret.error().retryable);
}

}  // namespace

Result<FhirSettings> parse_settings(const json& settings, sdk::Host& host) {
  if (!settings.is_object()) return invalid("settings must be an object");
  FhirSettings out;
  out.base_url = string_at(settings, "base_url");
  while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  const bool http = out.base_url.rfind("http://", 0) == 0 && out.base_url.size() > 7;
  const bool https = out.base_url.rfind("https://", 0) == 0 && out.base_url.size() > 8;
  if ((!http && !https) || out.base_url.find_first_of("?# ") != std::string::npos) {
    return invalid("base_url must be an absolute http:// or https:// URL without a query");
  }
  const std::string auth = string_at(settings, "auth");
  if (auth.empty() || auth == "bearer") {
    out.auth = AuthKind::kBearer;
    WASL_ASSIGN_OR_RETURN(out.bearer_token, setting_or_secret(settings, "bearer_token", host));
    if (out.bearer_token.empty()) {
      return invalid("auth bearer needs bearer_token (setting or instance secret)");
    }
  } else if (auth == "basic") {
    out.auth = AuthKind::kBasic;
    out.username = string_at(settings, "username");
    WASL_ASSIGN_OR_RETURN(out.password, setting_or_secret(settings, "password", host));
    if (out.username.empty() || out.password.empty()) {
      return invalid("auth basic needs username and password");
    }
  } else if (auth == "smart") {
    out.auth = AuthKind::kSmart;
    out.client_id = string_at(settings, "client_id");
    WASL_ASSIGN_OR_RETURN(std::string key, setting_or_secret(settings, "private_key", host));
    if (out.client_id.empty() || key.empty()) {
      return invalid("auth smart needs client_id and private_key (setting or instance secret)");
    }
    WASL_ASSIGN_OR_RETURN(out.smart_signer,
                          ClientAssertionSigner::create(key, string_at(settings, "signing_alg"),
                                                        string_at(settings, "key_id")));
    if (std::string scope = string_at(settings, "scope"); !scope.empty()) out.scope = scope;
    out.smart_token_url = string_at(settings, "token_url");
    if (!out.smart_token_url.empty() && out.smart_token_url.rfind("http://", 0) != 0 &&
        out.smart_token_url.rfind("https://", 0) != 0) {
      return invalid("token_url must be an http:// or https:// URL");
    }
  } else if (auth == "none") {
    out.auth = AuthKind::kNone;
  } else {
    return invalid("auth must be none, bearer, basic or smart");
  }
  out.page_size = int_at(settings, "page_size", out.page_size);
  out.max_pages = int_at(settings, "max_pages", out.max_pages);
  out.request_timeout = std::chrono::milliseconds(int_at(settings, "request_timeout_ms", 15000));
  if (std::string system = string_at(settings, "identifier_system"); !system.empty()) {
    out.identifier_system = system;
  }
  if (out.identifier_system.find(':') == std::string::npos ||
      out.identifier_system.find_first_of("| ") != std::string::npos) {
    return invalid("identifier_system must be an absolute URI without '|' or spaces");
  }
  if (std::string header = string_at(settings, "subscription_header"); !header.empty()) {
    out.subscription_header = header;
  }
  WASL_ASSIGN_OR_RETURN(out.subscription_secret,
                        setting_or_secret(settings, "subscription_secret", host));
  out.service_provider = string_at(settings, "service_provider");
  if (!out.service_provider.empty() && !is_fhir_id(out.service_provider)) {
    return invalid("service_provider must be an Organization id ([A-Za-z0-9-.]{1,64})");
  }
  if (out.page_size < 1 || out.max_pages < 1 || out.request_timeout.count() < 1) {
    return invalid("page_size, max_pages and request_timeout_ms must be positive");
  }
  return out;
}

}  // namespace wasl::plugins::fhir
