#include "hub/signin/oidc_provider.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>

#include "hub/crypto/digest.hpp"
#include "hub/crypto/hmac.hpp"
#include "hub/crypto/random.hpp"
#include "hub/signin/jose.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/percent_encoding.hpp"
#include "wasl/sdk/url_origin.hpp"

namespace wasl::signin {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

// How long a discovery document and a key set are used before they are read
// again; a token naming a key the set does not hold reads the set at once
// (kUnknownKeyRefetch apart at most).
constexpr std::int64_t kDocumentLifetimeS = 3600;
constexpr std::int64_t kUnknownKeyRefetchS = 30;
// A back-channel logout token without `exp` is taken this long after its `iat`.
constexpr std::int64_t kLogoutTokenMaxAgeS = 300;
constexpr std::chrono::milliseconds kRequestTimeout{10000};
constexpr std::string_view kBackchannelLogoutEvent =
    "http://schemas.openid.net/event/backchannel-logout";

Error oidc_refused(std::string check) {
  return {ErrorCode::kUnauthenticated, std::move(check), false};
}
Error oidc_unusable(std::string what) {
  return {ErrorCode::kFailedPrecondition, std::move(what), false};
}

std::int64_t system_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_token() {
  auto bytes = crypto::random_bytes(32);
  // The generator failing is a broken installation; an empty value would be
  // refused by every comparison that follows, never accepted.
  return bytes.ok() ? sdk::base64url_encode(*bytes) : std::string();
}

// `base` with `params` appended as its query (after what it already has).
std::string with_query(std::string base,
                       const std::vector<std::pair<std::string_view, std::string_view>>& params) {
  char separator = base.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    base += separator;
    base += sdk::percent_encode(name);
    base += '=';
    base += sdk::percent_encode(value);
    separator = '&';
  }
  return base;
}

std::string form_body(const std::vector<std::pair<std::string_view, std::string_view>>& params) {
  std::string body = with_query(std::string(), params);
  return body.substr(1);
}

std::string oidc_string_member(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> string_array(const json& object, const char* name) {
  std::vector<std::string> out;
  auto it = object.find(name);
  if (it == object.end() || !it->is_array()) return out;
  for (const json& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A NumericDate claim: nullopt when absent; kUnauthenticated "malformed" when
// it is not a number.
Result<std::optional<std::int64_t>> seconds_claim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::optional<std::int64_t>();
  if (it->is_number_integer()) return std::optional<std::int64_t>(it->get<std::int64_t>());
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    return std::optional<std::int64_t>(static_cast<std::int64_t>(
        std::min<std::uint64_t>(value, std::numeric_limits<std::int64_t>::max())));
  }
  if (it->is_number_float()) {
    const double value = it->get<double>();
    if (value > -9.0e15 && value < 9.0e15)
      return std::optional<std::int64_t>(static_cast<std::int64_t>(value));
  }
  return oidc_refused("malformed");
}

// An answer the provider sent that says it cannot answer now.
bool provider_busy(int status) { return status == 429 || status >= 500; }

struct Discovery {
  std::string authorization_endpoint, token_endpoint, jwks_uri, end_session_endpoint;
  std::vector<std::string> signing_algorithms;
  std::vector<std::string> token_auth_methods;  // empty when the document names none
  std::int64_t fetched_at = 0;
};

struct KeyCache {
  std::shared_ptr<const KeySet> set;
  std::int64_t fetched_at = 0;
};

}  // namespace

struct OidcProvider::Impl {
  ProviderSettings settings;
  std::shared_ptr<plugin_host::HttpClient> http;
  std::function<std::int64_t()> now_s;
  // The client key for private_key_jwt, read when the provider is made; its
  // error is answered by exchange_code().
  std::optional<Result<SigningKey>> client_key;

  std::mutex fetch_mutex;  // one fetch at a time, so callers that miss together fetch once
  std::mutex state_mutex;  // guards the three below
  std::shared_ptr<const Discovery> discovery;
  KeyCache keys;
  std::optional<std::int64_t>
      last_unknown_key_fetch;  // when a token's unknown key last made it read the set

  std::int64_t now() const { return now_s(); }

  std::string discovery_url() const {
    std::string base = settings.issuer;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/.well-known/openid-configuration";
  }

  // GET `url` (kMaxDocumentBytes at most, checked while it arrives).
  Result<std::string> fetch(const std::string& url, std::string_view what) {
    plugin_host::HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.headers = {{"Accept", "application/json"}};
    request.total_timeout = kRequestTimeout;
    std::string body;
    auto sent = http->send_streaming(request, [&](std::string_view chunk) {
      if (body.size() + chunk.size() > kMaxDocumentBytes) return false;
      body.append(chunk);
      return true;
    });
    if (!sent.ok()) {
      const Error& error = sent.error();
      if (error.code == ErrorCode::kCancelled) {
        return oidc_unusable("the identity provider's " + std::string(what) + " is larger than " +
                             std::to_string(kMaxDocumentBytes) + " bytes");
      }
      if (error.code == ErrorCode::kDeadlineExceeded || error.code == ErrorCode::kUnavailable) {
        return Error(ErrorCode::kUnavailable,
                     "the identity provider cannot be reached for its " + std::string(what) + ": " +
                         error.message,
                     true);
      }
      return error;
    }
    if (provider_busy(sent->status)) {
      return Error(ErrorCode::kUnavailable,
                   "the identity provider answered " + std::to_string(sent->status) + " for its " +
                       std::string(what),
                   true);
    }
    if (sent->status != 200) {
      return oidc_unusable("the identity provider answered " + std::to_string(sent->status) +
                           " for its " + std::string(what));
    }
    return body;
  }

  Result<std::shared_ptr<const Discovery>> read_discovery() {
    if (!sdk::is_https_or_loopback(settings.issuer)) {
      return oidc_unusable("the issuer of provider " + settings.name +
                           " is neither https nor on this machine");
    }
    WASL_ASSIGN_OR_RETURN(std::string text, fetch(discovery_url(), "discovery document"));
    auto parsed = sdk::parse_json_bounded(text, "the discovery document", {kMaxDocumentBytes, 16});
    if (!parsed.ok()) return oidc_unusable(parsed.error().message);
    const json& document = *parsed;
    if (!document.is_object()) return oidc_unusable("the discovery document is not a JSON object");
    if (oidc_string_member(document, "issuer") != settings.issuer) {
      return oidc_unusable("the discovery document's issuer is not the configured issuer");
    }
    auto out = std::make_shared<Discovery>();
    out->authorization_endpoint = oidc_string_member(document, "authorization_endpoint");
    out->token_endpoint = oidc_string_member(document, "token_endpoint");
    out->jwks_uri = oidc_string_member(document, "jwks_uri");
    out->end_session_endpoint = oidc_string_member(document, "end_session_endpoint");
    out->signing_algorithms = string_array(document, "id_token_signing_alg_values_supported");
    out->token_auth_methods = string_array(document, "token_endpoint_auth_methods_supported");
    for (const auto& [name, url] : {std::pair<const char*, const std::string*>{
                                        "authorization_endpoint", &out->authorization_endpoint},
                                    {"token_endpoint", &out->token_endpoint},
                                    {"jwks_uri", &out->jwks_uri}}) {
      if (!sdk::is_https_or_loopback(*url)) {
        return oidc_unusable(std::string("the discovery document's ") + name +
                             " is missing, or neither https nor on this machine");
      }
    }
    if (!out->end_session_endpoint.empty() &&
        !sdk::is_https_or_loopback(out->end_session_endpoint)) {
      return oidc_unusable(
          "the discovery document's end_session_endpoint is neither https nor on this machine");
    }
    if (std::none_of(out->signing_algorithms.begin(), out->signing_algorithms.end(),
                     [](const std::string& alg) { return is_accepted_algorithm(alg); })) {
      return oidc_unusable(
          "the identity provider signs ID tokens with no algorithm the hub accepts");
    }
    out->fetched_at = now();
    return std::shared_ptr<const Discovery>(std::move(out));
  }

  Result<std::shared_ptr<const Discovery>> current_discovery() {
    {
      std::lock_guard<std::mutex> guard(state_mutex);
      if (discovery && now() - discovery->fetched_at < kDocumentLifetimeS) return discovery;
    }
    std::lock_guard<std::mutex> fetching(fetch_mutex);
    std::shared_ptr<const Discovery> stale;
    {
      std::lock_guard<std::mutex> guard(state_mutex);
      if (discovery && now() - discovery->fetched_at < kDocumentLifetimeS) return discovery;
      stale = discovery;
    }
    auto fresh = read_discovery();
    if (!fresh.ok()) {
      if (stale) {
        spdlog::warn(
            "signin provider {}: the discovery document could not be read again, the one read "
            "before is "
            "kept: {}",
            settings.name, fresh.error().message);
        return stale;
      }
      return std::move(fresh).error();
    }
    std::lock_guard<std::mutex> guard(state_mutex);
    discovery = *fresh;
    return discovery;
  }

  Result<std::shared_ptr<const KeySet>> read_keys(const Discovery& document) {
    WASL_ASSIGN_OR_RETURN(std::string text, fetch(document.jwks_uri, "key set"));
    WASL_ASSIGN_OR_RETURN(KeySet set, KeySet::parse(text));
    return std::make_shared<const KeySet>(std::move(set));
  }

  // The key set, read when there is none or it is older than
  // kDocumentLifetimeS; with `unknown_key`, read again unless that was done
  // less than kUnknownKeyRefetchS ago (then the set held is answered).
  Result<std::shared_ptr<const KeySet>> current_keys(const Discovery& document, bool unknown_key) {
    auto usable = [&]() -> std::shared_ptr<const KeySet> {
      if (!keys.set) return nullptr;
      if (unknown_key) {
        return last_unknown_key_fetch && now() - *last_unknown_key_fetch < kUnknownKeyRefetchS
                   ? keys.set
                   : nullptr;
      }
      return now() - keys.fetched_at < kDocumentLifetimeS ? keys.set : nullptr;
    };
    const std::shared_ptr<const KeySet> before = [&] {
      std::lock_guard<std::mutex> guard(state_mutex);
      return keys.set;
    }();
    {
      std::lock_guard<std::mutex> guard(state_mutex);
      if (auto set = usable()) return set;
    }
    std::lock_guard<std::mutex> fetching(fetch_mutex);
    std::shared_ptr<const KeySet> stale;
    {
      std::lock_guard<std::mutex> guard(state_mutex);
      // Another caller read the set while this one waited: use theirs.
      if (keys.set != before && keys.set) return keys.set;
      if (auto set = usable()) return set;
      stale = keys.set;
      if (unknown_key) last_unknown_key_fetch = now();
    }
    auto fresh = read_keys(document);
    if (!fresh.ok()) {
      if (stale && !unknown_key) {
        spdlog::warn(
            "signin provider {}: the key set could not be read again, the one read before is kept: "
            "{}",
            settings.name, fresh.error().message);
        return stale;
      }
      return std::move(fresh).error();
    }
    spdlog::info("signin provider {}: read its key set ({} signing keys){}", settings.name,
                 (*fresh)->size(), unknown_key ? ", for a key it did not hold" : "");
    std::lock_guard<std::mutex> guard(state_mutex);
    keys = {*fresh, now()};
    return keys.set;
  }

  // The payload of a token signed by this provider for this client, with the
  // checks ID and logout tokens share: algorithm, key, signature, issuer,
  // audience, azp and issued-at.
  Result<json> verified_claims(std::string_view token) {
    WASL_ASSIGN_OR_RETURN(JwsHeader header, read_jws_header(token));
    WASL_ASSIGN_OR_RETURN(std::shared_ptr<const Discovery> document, current_discovery());
    if (!is_accepted_algorithm(header.alg) || !contains(document->signing_algorithms, header.alg)) {
      return oidc_refused("algorithm");
    }
    WASL_ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> set, current_keys(*document, false));
    const PublicKey* key = set->find(header.kid, header.alg);
    // A key the set holds under that kid, of a type that does not fit the
    // token's algorithm: a confusion to refuse, not a rotation to look for.
    if (key == nullptr && !header.kid.empty() && set->holds(header.kid))
      return oidc_refused("algorithm");
    if (key == nullptr) {
      WASL_ASSIGN_OR_RETURN(set, current_keys(*document, true));
      key = set->find(header.kid, header.alg);
    }
    if (key == nullptr) return oidc_refused("unknown key");
    WASL_ASSIGN_OR_RETURN(json payload, verified_payload(token, *key));

    if (!payload.contains("iss") || !payload["iss"].is_string() ||
        payload["iss"].get<std::string>() != settings.issuer) {
      return oidc_refused("issuer");
    }
    const json& aud = payload.contains("aud") ? payload["aud"] : json();
    std::vector<std::string> audiences;
    if (aud.is_string()) {
      audiences.push_back(aud.get<std::string>());
    } else if (aud.is_array()) {
      for (const json& item : aud) {
        if (!item.is_string()) return oidc_refused("audience");
        audiences.push_back(item.get<std::string>());
      }
    }
    if (!contains(audiences, settings.client_id)) return oidc_refused("audience");
    const bool has_azp = payload.contains("azp");
    if ((audiences.size() > 1 || has_azp) &&
        oidc_string_member(payload, "azp") != settings.client_id) {
      return oidc_refused("azp");
    }
    WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> iat, seconds_claim(payload, "iat"));
    if (!iat) return oidc_refused("malformed");
    if (*iat > now() + settings.clock_skew.count()) return oidc_refused("issued in the future");
    return payload;
  }
};

OidcProvider::OidcProvider(ProviderSettings settings, std::shared_ptr<plugin_host::HttpClient> http,
                           std::function<std::int64_t()> now_s)
    : impl_(std::make_unique<Impl>()) {
  impl_->settings = std::move(settings);
  if (!contains(impl_->settings.scopes, "openid")) {
    impl_->settings.scopes.insert(impl_->settings.scopes.begin(), "openid");
  }
  if (!http) {
    plugin_host::HttpClientOptions options;
    options.ca_file = impl_->settings.ca_file;
    options.max_response_bytes = static_cast<std::int64_t>(kMaxDocumentBytes);
    http = std::make_shared<plugin_host::HttpClient>(std::move(options));
  }
  impl_->http = std::move(http);
  impl_->now_s = now_s ? std::move(now_s) : std::function<std::int64_t()>(&system_now_s);
  if (!impl_->settings.client_key_pem.empty()) {
    impl_->client_key =
        SigningKey::from_pem(impl_->settings.client_key_pem, impl_->settings.client_key_id);
  }
}

OidcProvider::~OidcProvider() = default;

const ProviderSettings& OidcProvider::settings() const { return impl_->settings; }

Result<AuthorizationStart> OidcProvider::begin() {
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<const Discovery> document, impl_->current_discovery());
  AuthorizationStart start;
  start.state = random_token();
  start.nonce = random_token();
  start.code_verifier = random_token();
  if (start.state.empty() || start.nonce.empty() || start.code_verifier.empty()) {
    return Error(ErrorCode::kInternal, "the random generator failed", false);
  }
  const std::string challenge = sdk::base64url_encode(crypto::sha256(start.code_verifier));
  std::string scope;
  for (const std::string& item : impl_->settings.scopes) {
    if (!scope.empty()) scope += ' ';
    scope += item;
  }
  start.url =
      with_query(document->authorization_endpoint, {{"response_type", "code"},
                                                    {"client_id", impl_->settings.client_id},
                                                    {"redirect_uri", impl_->settings.redirect_uri},
                                                    {"scope", scope},
                                                    {"state", start.state},
                                                    {"nonce", start.nonce},
                                                    {"code_challenge", challenge},
                                                    {"code_challenge_method", "S256"}});
  return start;
}

Result<std::string> OidcProvider::exchange_code(std::string_view code,
                                                std::string_view code_verifier) {
  if (code.empty() || code.size() > 4096) {
    return Error(ErrorCode::kInvalidArgument, "the authorization code is empty or too long", false);
  }
  if (code_verifier.size() < 43 || code_verifier.size() > 128) {
    return Error(ErrorCode::kInvalidArgument, "the code verifier is not 43 to 128 characters",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<const Discovery> document, impl_->current_discovery());
  const ProviderSettings& settings = impl_->settings;
  const bool key_auth = impl_->client_key.has_value();
  const std::string method = key_auth ? "private_key_jwt" : "client_secret_basic";
  if (!key_auth && settings.client_secret.empty()) {
    return oidc_unusable("provider " + settings.name +
                         " has neither a client secret nor a client key");
  }
  if (!document->token_auth_methods.empty() && !contains(document->token_auth_methods, method)) {
    return oidc_unusable("the identity provider does not take " + method +
                         " at its token endpoint");
  }

  plugin_host::HttpRequest request;
  request.method = "POST";
  request.url = document->token_endpoint;
  request.total_timeout = kRequestTimeout;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  std::vector<std::pair<std::string_view, std::string_view>> form = {
      {"grant_type", "authorization_code"},
      {"code", code},
      {"redirect_uri", settings.redirect_uri},
      {"code_verifier", code_verifier}};
  std::string assertion;
  if (key_auth) {
    if (!impl_->client_key->ok()) return impl_->client_key->error();
    const std::int64_t now = impl_->now();
    const std::string jti = random_token();
    if (jti.empty()) return Error(ErrorCode::kInternal, "the random generator failed", false);
    WASL_ASSIGN_OR_RETURN(assertion, (*impl_->client_key)
                                         ->sign({{"iss", settings.client_id},
                                                 {"sub", settings.client_id},
                                                 {"aud", document->token_endpoint},
                                                 {"jti", jti},
                                                 {"iat", now},
                                                 {"exp", now + 60}}));
    form.emplace_back("client_id", settings.client_id);
    form.emplace_back("client_assertion_type",
                      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    form.emplace_back("client_assertion", assertion);
  } else {
    // RFC 6749 2.3.1: both parts form-encoded before they are joined.
    const std::string credentials = sdk::percent_encode(settings.client_id) + ":" +
                                    sdk::percent_encode(settings.client_secret.reveal());
    request.headers.emplace_back("Authorization", "Basic " + sdk::base64_encode(credentials));
  }
  request.body = form_body(form);

  auto sent = impl_->http->send(request);
  if (!sent.ok()) {
    const Error& error = sent.error();
    if (error.code == ErrorCode::kDeadlineExceeded || error.code == ErrorCode::kUnavailable) {
      return Error(ErrorCode::kUnavailable,
                   "the identity provider's token endpoint cannot be reached: " + error.message,
                   true);
    }
    return error;
  }
  if (provider_busy(sent->status)) {
    return Error(ErrorCode::kUnavailable,
                 "the identity provider's token endpoint answered " + std::to_string(sent->status),
                 true);
  }
  const json answer = sdk::parse_json_within(sent->body, {kMaxDocumentBytes, 16});
  if (sent->status != 200) {
    // The error code only: it is a short token from a fixed list (RFC 6749
    // 5.2), where the description may repeat what the request carried.
    std::string code_name =
        answer.is_object() ? oidc_string_member(answer, "error") : std::string();
    const bool plain = !code_name.empty() && code_name.size() <= 64 &&
                       std::all_of(code_name.begin(), code_name.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
                       });
    return oidc_refused("the identity provider refused the code (" +
                        (plain ? code_name : "status " + std::to_string(sent->status)) + ")");
  }
  if (!answer.is_object() || oidc_string_member(answer, "id_token").empty()) {
    return oidc_refused("the identity provider's token answer holds no ID token");
  }
  return oidc_string_member(answer, "id_token");
}

Result<IdentityClaims> OidcProvider::verify_id_token(std::string_view id_token,
                                                     std::string_view expected_nonce) {
  WASL_ASSIGN_OR_RETURN(json payload, impl_->verified_claims(id_token));
  const std::int64_t now = impl_->now();
  const std::int64_t skew = impl_->settings.clock_skew.count();
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> exp, seconds_claim(payload, "exp"));
  if (!exp || *exp <= now - skew) return oidc_refused("expired");
  const std::string nonce = oidc_string_member(payload, "nonce");
  if (expected_nonce.empty() || nonce.empty() ||
      !crypto::constant_time_equal(nonce, expected_nonce)) {
    return oidc_refused("nonce");
  }
  IdentityClaims out;
  out.issuer = oidc_string_member(payload, "iss");
  out.subject = oidc_string_member(payload, "sub");
  if (out.subject.empty()) return oidc_refused("subject");
  out.session_id = oidc_string_member(payload, "sid");
  for (const char* name : {"name", "preferred_username", "email"}) {
    out.name = oidc_string_member(payload, name);
    if (!out.name.empty()) break;
  }
  if (out.name.empty()) out.name = out.subject;
  out.amr = string_array(payload, "amr");
  out.acr = oidc_string_member(payload, "acr");
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> iat, seconds_claim(payload, "iat"));
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> auth_time, seconds_claim(payload, "auth_time"));
  out.issued_at = iat.value_or(0);
  out.expires_at = *exp;
  out.auth_time = auth_time.value_or(0);
  out.claims = std::move(payload);
  return out;
}

Result<LogoutClaims> OidcProvider::verify_logout_token(std::string_view logout_token) {
  WASL_ASSIGN_OR_RETURN(json payload, impl_->verified_claims(logout_token));
  const std::int64_t now = impl_->now();
  const std::int64_t skew = impl_->settings.clock_skew.count();
  auto events = payload.find("events");
  if (events == payload.end() || !events->is_object() ||
      !events->contains(kBackchannelLogoutEvent) ||
      !(*events)[std::string(kBackchannelLogoutEvent)].is_object()) {
    return oidc_refused("events");
  }
  if (payload.contains("nonce")) return oidc_refused("nonce");
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> exp, seconds_claim(payload, "exp"));
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> iat, seconds_claim(payload, "iat"));
  if (exp ? *exp <= now - skew : *iat < now - skew - kLogoutTokenMaxAgeS)
    return oidc_refused("expired");
  LogoutClaims out;
  out.issuer = oidc_string_member(payload, "iss");
  out.subject = oidc_string_member(payload, "sub");
  out.session_id = oidc_string_member(payload, "sid");
  if (out.subject.empty() && out.session_id.empty()) return oidc_refused("subject");
  out.jti = oidc_string_member(payload, "jti");
  if (out.jti.empty()) return oidc_refused("jti");
  return out;
}

Result<std::optional<std::string>> OidcProvider::end_session_url(
    std::string_view id_token_hint, std::string_view post_logout_redirect_uri) {
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<const Discovery> document, impl_->current_discovery());
  if (document->end_session_endpoint.empty()) return std::optional<std::string>();
  std::vector<std::pair<std::string_view, std::string_view>> params;
  if (!id_token_hint.empty()) params.emplace_back("id_token_hint", id_token_hint);
  if (!post_logout_redirect_uri.empty())
    params.emplace_back("post_logout_redirect_uri", post_logout_redirect_uri);
  params.emplace_back("client_id", impl_->settings.client_id);
  return std::optional<std::string>(with_query(document->end_session_endpoint, params));
}

}  // namespace wasl::signin
