#include "hub/signin/signin_flow.hpp"

#include <chrono>
#include <utility>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub/signin/logout_token_store.hpp"

namespace wasl::signin {
namespace {

bool unreachable(const sdk::Error& error) {
  return error.code == sdk::ErrorCode::kUnavailable ||
         error.code == sdk::ErrorCode::kDeadlineExceeded;
}

// A check's name from an error of OidcProvider, short and free of input:
// its messages name the check and carry no token (oidc_provider.hpp).
std::string check_of(const sdk::Error& error) {
  std::string message = error.message.substr(0, 120);
  for (char& c : message) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return message;
}

}  // namespace

SigninFlow::SigninFlow(SigninFlowServices services) : services_(std::move(services)) {}

std::int64_t SigninFlow::now_ms() const {
  if (services_.now_ms) return services_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sdk::Result<StartedSignin> SigninFlow::start(std::string_view provider_name,
                                             std::string_view return_to) {
  const ConfiguredProvider* provider = services_.providers->find(provider_name);
  if (provider == nullptr) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "no such identity provider", false);
  }
  WASL_ASSIGN_OR_RETURN(AuthorizationStart begun, provider->oidc->begin());
  AttemptStart attempt;
  attempt.provider = provider->name;
  attempt.state = begun.state;
  attempt.nonce = begun.nonce;
  attempt.code_verifier = begun.code_verifier;
  attempt.return_to = safe_return_to(return_to);
  WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadWrite));
  WASL_RETURN_IF_ERROR(services_.attempts->create(*tx, attempt, now_ms()));
  WASL_RETURN_IF_ERROR(tx->commit());
  return StartedSignin{.authorization_url = std::move(begun.url), .nonce = std::move(begun.nonce)};
}

sdk::Status SigninFlow::audit_refusal(std::string_view provider, Refusal refusal,
                                      std::string_view facility, std::string_view check,
                                      const RequestOrigin& origin) {
  audit::AuditEvent event;
  event.actor = "anonymous";
  event.facility_id = std::string(facility);
  event.action = "signin.refused";
  event.outcome = std::string(audit::kOutcomeDenied);
  event.request_id = origin.request_id;
  event.source_address = origin.source_address;
  nlohmann::json detail = {{"provider", provider}, {"reason", to_string(refusal)}};
  if (!check.empty()) detail["check"] = check;
  event.detail = detail.dump();
  WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadWrite));
  WASL_RETURN_IF_ERROR(services_.audit->append(*tx, event));
  return tx->commit();
}

sdk::Result<CallbackResult> SigninFlow::refuse(std::string_view provider, Refusal refusal,
                                               std::string_view facility, std::string_view check,
                                               const RequestOrigin& origin, bool idp_unreachable) {
  WASL_RETURN_IF_ERROR(audit_refusal(provider, refusal, facility, check, origin));
  CallbackResult result;
  result.refusal = refusal;
  result.idp_unreachable = idp_unreachable;
  return result;
}

sdk::Result<CallbackResult> SigninFlow::callback(std::string_view provider_name,
                                                 const CallbackInput& input,
                                                 const RequestOrigin& origin) {
  const ConfiguredProvider* provider = services_.providers->find(provider_name);
  if (provider == nullptr) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "no such identity provider", false);
  }
  const std::string& name = provider->name;
  if (input.state.empty()) return refuse(name, Refusal::kExpiredAttempt, "", "state", origin);

  // The attempt is used once, whatever follows: a second callback with the
  // same state (a replay, or the browser's back button) is refused.
  std::optional<Attempt> attempt;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(attempt, services_.attempts->claim(*tx, name, input.state, now_ms()));
    WASL_RETURN_IF_ERROR(tx->commit());
  }
  if (!attempt) return refuse(name, Refusal::kExpiredAttempt, "", "state", origin);
  // The nonce the browser kept must be this attempt's: a callback URL sent
  // to another browser stops here.
  if (input.binding.empty() || !AttemptStore::nonce_matches(*attempt, input.binding)) {
    return refuse(name, Refusal::kExpiredAttempt, "", "browser", origin);
  }
  if (!input.error.empty() || input.code.empty()) {
    std::string check = input.error.empty() ? "code" : "idp: " + input.error.substr(0, 40);
    return refuse(name, Refusal::kIdpError, "", check, origin);
  }

  auto id_token = provider->oidc->exchange_code(input.code, attempt->code_verifier);
  if (!id_token.ok()) {
    spdlog::warn("sign-in through {}: code exchange failed: {}", name, id_token.error().message);
    return refuse(name, Refusal::kIdpError, "", check_of(id_token.error()), origin,
                  unreachable(id_token.error()));
  }
  auto identity = provider->oidc->verify_id_token(*id_token, input.binding);
  if (!identity.ok()) {
    spdlog::warn("sign-in through {}: ID token refused: {}", name, identity.error().message);
    return refuse(name, Refusal::kIdpError, "", check_of(identity.error()), origin,
                  unreachable(identity.error()));
  }

  AccessDecision decision = decide(identity->claims, identity->amr, identity->acr, provider->access,
                                   services_.providers->mfa());
  if (!decision.grant) {
    std::string facility;
    if (auto rule = match_rule(identity->claims, provider->access)) facility = rule->facility;
    return refuse(name, decision.refusal, facility, "", origin);
  }
  const AccessGrant& grant = *decision.grant;

  const std::int64_t now = now_ms();
  WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(PersonRecord person,
                        services_.people->sign_in(*tx, name, identity->issuer, identity->subject,
                                                  identity->name, now));
  SessionGrant session;
  session.facility_id = grant.facility;
  session.role = grant.role;
  session.practitioner = grant.practitioner;
  session.person_id = person.id;
  session.provider = name;
  session.idp_session_id = identity->session_id;
  session.id_token = *id_token;
  WASL_ASSIGN_OR_RETURN(
      NewSession created,
      services_.sessions->create(
          *tx, session, now,
          AuditContext{.request_id = origin.request_id, .source_address = origin.source_address}));
  WASL_RETURN_IF_ERROR(tx->commit());
  CallbackResult result;
  result.session_cookie = std::move(created.cookie_value);
  result.return_to = attempt->return_to;
  return result;
}

sdk::Result<int> SigninFlow::backchannel_logout(std::string_view provider_name,
                                                std::string_view logout_token,
                                                const RequestOrigin& origin) {
  const ConfiguredProvider* provider = services_.providers->find(provider_name);
  if (provider == nullptr) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "no such identity provider", false);
  }
  auto claims = provider->oidc->verify_logout_token(logout_token);
  if (!claims.ok()) {
    if (unreachable(claims.error())) return claims.error();
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "logout token refused: " + check_of(claims.error()), false);
  }
  const std::int64_t now = now_ms();
  WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadWrite));
  if (!claims->jti.empty()) {
    WASL_ASSIGN_OR_RETURN(bool fresh,
                          LogoutTokenStore::record(*tx, provider->name, claims->jti, now));
    if (!fresh) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument, "logout token replayed", false);
    }
  }
  // Without a sid the token names the person: every session of theirs at
  // this provider ends.
  std::string person_id;
  if (claims->session_id.empty()) {
    WASL_ASSIGN_OR_RETURN(auto found, services_.people->find_id(*tx, provider->name, claims->issuer,
                                                                claims->subject));
    if (!found) {
      WASL_RETURN_IF_ERROR(tx->commit());
      return 0;
    }
    person_id = *found;
  }
  WASL_ASSIGN_OR_RETURN(int ended, services_.sessions->end_by_idp_session(
                                       *tx, provider->name, claims->session_id, person_id, now,
                                       AuditContext{.request_id = origin.request_id,
                                                    .source_address = origin.source_address}));
  WASL_RETURN_IF_ERROR(tx->commit());
  return ended;
}

sdk::Result<std::optional<std::string>> SigninFlow::logout_url(std::string_view provider_name,
                                                               std::string_view id_token_hint) {
  const ConfiguredProvider* provider = services_.providers->find(provider_name);
  if (provider == nullptr || id_token_hint.empty()) return std::optional<std::string>();
  return provider->oidc->end_session_url(id_token_hint,
                                         services_.providers->public_url() + "/console/");
}

}  // namespace wasl::signin
