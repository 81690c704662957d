#include "hub/access/authenticator.hpp"

#include <nlohmann/json.hpp>

namespace wasl::access {

using sdk::Error;
using sdk::ErrorCode;

std::string_view bearer_token(std::string_view authorization) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  std::string_view s = trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (s.size() <= kScheme.size() + 1) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return {};
  }
  if (s[kScheme.size()] != ' ') return {};
  std::string_view token = trim(s.substr(kScheme.size() + 1));
  if (token.find(' ') != std::string_view::npos) return {};
  return token;
}

Authenticator::Authenticator(storage::Store& store, const ApiKeyStore& keys,
                             AuthFailureLimiter& limiter, const audit::AuditWriter& audit)
    : store_(store), keys_(keys), limiter_(limiter), audit_(audit) {}

std::string_view failure_key_prefix(std::string_view authorization) {
  std::string_view token = bearer_token(authorization);
  if (token.empty()) return "-";  // missing or not Bearer: one bucket per source
  return token.substr(0, AuthFailureLimiter::kKeyPrefixLength);
}

sdk::Result<Principal> Authenticator::authenticate(const AuthRequest& request) {
  if (auto wait =
          limiter_.blocked_for(request.source_address, failure_key_prefix(request.authorization))) {
    return Error(ErrorCode::kResourceExhausted,
                 "too many failed authentications from this address; try again later",
                 /*retry=*/true, *wait);
  }
  std::string_view token = bearer_token(request.authorization);
  if (token.empty()) {
    AuthenticationFailure failure{request.authorization.empty() ? "missing" : "not_bearer", {}};
    return fail(
        request,
        Error(ErrorCode::kUnauthenticated, "send the API key as 'Authorization: Bearer <key>'"),
        failure);
  }
  AuthenticationFailure failure;
  auto principal = keys_.authenticate(store_, token, &failure);
  if (principal.ok()) return principal;
  const ErrorCode code = principal.error().code;
  if (code != ErrorCode::kUnauthenticated && code != ErrorCode::kPermissionDenied) {
    return std::move(principal).error();
  }
  return fail(request, std::move(principal).error(), failure);
}

sdk::Error Authenticator::fail(const AuthRequest& request, sdk::Error error,
                               const AuthenticationFailure& failure) {
  limiter_.record_failure(request.source_address, failure_key_prefix(request.authorization));

  audit::AuditEvent event;
  event.actor = "anonymous";
  event.action = "auth.failed";
  event.outcome = std::string(audit::kOutcomeFailure);
  event.request_id = std::string(request.request_id);
  event.source_address = std::string(request.source_address);
  if (!failure.key_id.empty()) {
    event.entity_type = "api_key";
    event.entity_id = failure.key_id;
  }
  event.detail = nlohmann::json{{"reason", failure.reason}}.dump();

  // A failure that cannot be audited answers with the storage error instead,
  // so no failed attempt goes unrecorded and unanswered alike.
  auto tx = store_.begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return std::move(tx).error();
  auto appended = audit_.append(**tx, event);
  if (!appended.ok()) {
    (*tx)->rollback();
    return std::move(appended).error();
  }
  auto committed = (*tx)->commit();
  if (!committed.ok()) return std::move(committed).error();
  return error;
}

}  // namespace wasl::access
