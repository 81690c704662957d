#include "plugins/fhir/settings.hpp"

#include <cctype>

#include "plugins/fhir/client_assertion.hpp"
#include "plugins/fhir/public_keys.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/setting_or_secret.hpp"
#include "wasl/sdk/url_origin.hpp"

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

Error invalid_setting(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "FHIR settings: " + std::move(message), false);
}

// The setting `key`, else the instance secret of that name.
Result<std::string> setting_or_secret(const json& settings, const char* key, sdk::Host& host) {
  return sdk::setting_or_secret(sdk::string_member(settings, key), host, key);
}

// The signer's public key, then previous_public_keys; each kid once.
Result<sdk::PublicKeySet> published_keys(const std::string& private_pem, const std::string& alg,
                                         const std::string& key_id, const json& settings) {
  sdk::PublicKeySet set;
  WASL_ASSIGN_OR_RETURN(sdk::PublicJwk current,
                        jwk_of_private_pem(private_pem, alg, key_id, "private_key"));
  set.keys.push_back(std::move(current));
  auto previous = settings.find("previous_public_keys");
  if (previous == settings.end() || !previous->is_array()) return set;
  for (std::size_t i = 0; i < previous->size(); ++i) {
    const json& entry = (*previous)[i];
    const std::string where = "previous_public_keys[" + std::to_string(i) + "]";
    const std::string kid = entry.at("kid").get<std::string>();
    WASL_ASSIGN_OR_RETURN(
        sdk::PublicJwk old,
        jwk_of_public_pem(entry.at("public_key").get<std::string>(), kid, where + ".public_key"));
    for (const sdk::PublicJwk& earlier : set.keys) {
      if (earlier.kid != kid) continue;
      return invalid_setting(where + " has the kid '" + kid + "', which " +
                             (&earlier == &set.keys.front() ? std::string("key_id")
                                                            : std::string("an earlier entry")) +
                             " already names; a rotated key needs a kid of its own");
    }
    set.keys.push_back(std::move(old));
  }
  return set;
}

}  // namespace

Result<FhirSettings> parse_settings(const json& settings, sdk::Host& host) {
  FhirSettings out;
  out.base_url = settings.at("base_url").get<std::string>();
  while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  if (!sdk::is_https_or_loopback(out.base_url)) {
    return invalid_setting(
        "base_url must be https:// (plain http:// only to a loopback host: " +
        std::string("127.0.0.0/8, ::1, localhost): the EHR's answers are PHI and ") +
        "its requests carry credentials");
  }
  const std::string auth = settings.at("auth").get<std::string>();
  if (auth == "bearer") {
    out.auth = AuthKind::kBearer;
    WASL_ASSIGN_OR_RETURN(out.bearer_token, setting_or_secret(settings, "bearer_token", host));
    if (out.bearer_token.empty()) {
      return invalid_setting("auth bearer needs bearer_token (setting or instance secret)");
    }
  } else if (auth == "basic") {
    out.auth = AuthKind::kBasic;
    out.username = sdk::string_member(settings, "username");
    WASL_ASSIGN_OR_RETURN(out.password, setting_or_secret(settings, "password", host));
    if (out.username.empty() || out.password.empty()) {
      return invalid_setting("auth basic needs username and password");
    }
  } else if (auth == "smart") {
    out.auth = AuthKind::kSmart;
    out.client_id = sdk::string_member(settings, "client_id");
    WASL_ASSIGN_OR_RETURN(std::string key, setting_or_secret(settings, "private_key", host));
    if (out.client_id.empty() || key.empty()) {
      return invalid_setting(
          "auth smart needs client_id and private_key (setting or instance secret)");
    }
    const std::string key_id = sdk::string_member(settings, "key_id");
    WASL_ASSIGN_OR_RETURN(
        out.smart_signer,
        ClientAssertionSigner::create(key, sdk::string_member(settings, "signing_alg"), key_id));
    WASL_ASSIGN_OR_RETURN(out.published_keys,
                          published_keys(key, out.smart_signer->alg(), key_id, settings));
    out.scope = settings.at("scope").get<std::string>();
    out.smart_token_url = sdk::string_member(settings, "token_url");
    if (!out.smart_token_url.empty() && !sdk::is_https_or_loopback(out.smart_token_url)) {
      return invalid_setting("token_url must be https:// (plain http:// only to a loopback host)");
    }
  }
  out.page_size = settings.at("page_size").get<int>();
  out.max_pages = settings.at("max_pages").get<int>();
  out.request_timeout =
      std::chrono::milliseconds(settings.at("request_timeout_ms").get<std::int64_t>());
  out.identifier_system = settings.at("identifier_system").get<std::string>();
  out.subscription_header = settings.at("subscription_header").get<std::string>();
  WASL_ASSIGN_OR_RETURN(out.subscription_secret,
                        setting_or_secret(settings, "subscription_secret", host));
  out.service_provider = sdk::string_member(settings, "service_provider");
  out.note_resource = sdk::string_member(settings, "note_resource") == "Composition"
                          ? NoteResource::kComposition
                          : NoteResource::kDocumentReference;
  return out;
}

}  // namespace wasl::plugins::fhir
