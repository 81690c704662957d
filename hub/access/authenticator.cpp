#include "hub/access/authenticator.hpp"

#include <utility>

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
                             AuthFailureLimiter& limiter, const audit::AuditWriter& audit,
                             AuthFailureAudit::Options audit_options,
                             AuthFailureAudit::NowMs now_ms)
    : store_(store),
      keys_(keys),
      limiter_(limiter),
      failures_(audit, audit_options, std::move(now_ms)) {}

sdk::Result<Principal> Authenticator::authenticate(const AuthRequest& request) {
  if (auto wait = limiter_.blocked_for(request.source_address)) {
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
  limiter_.record_failure(request.source_address);
  failures_.record(AuthFailureLimiter::bucket_key(request.source_address), failure.reason,
                   failure.key_id, request.request_id);
  return error;
}

sdk::Result<int> Authenticator::flush_failures(bool everything) {
  return failures_.flush(store_, everything);
}

}  // namespace wasl::access
