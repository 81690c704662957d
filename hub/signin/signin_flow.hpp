// SigninFlow: the OpenID Connect authorization code flow as the hub runs it
// for the console, from the browser's first request to its session cookie,
// and the two ways a person's sessions end at the identity provider's word.
//
//  start(): the provider's authorization URL (state, nonce, PKCE) and the
//    attempt kept by its state's hash (AttemptStore). The nonce itself is
//    not stored: the browser holds it in a cookie (kBindingCookie, scoped to
//    the callback's path) and brings it back, so a callback URL carried to
//    another browser finds no nonce and is refused (login CSRF).
//  callback(): claims the attempt by state (once; unknown, used or older
//    than 10 minutes: kExpiredAttempt), exchanges the code, verifies the ID
//    token with the browser's nonce (its hash must be the attempt's), maps
//    the claims to a facility and role (access_rules.hpp: kNoRule,
//    kMfaRequired), finds or creates the person, and creates the session
//    (with the ID token for the logout hint and the IdP's sid), all in one
//    transaction with its audit event. A refusal is audited
//    `signin.refused` (actor "anonymous", detail provider and reason, never
//    the name or the subject) in a transaction of its own.
//  backchannel_logout(): a verified logout token (its jti refused when seen
//    before, LogoutTokenStore) ends the provider's sessions with its sid,
//    or, without one, every session of the person its subject names.
//  logout_url(): the IdP's end-session URL for a session's stored ID token
//    (RP-initiated logout), back to <public_url>/console/.
//
// Thread safety: every member may be called from any number of threads;
// the flow holds no state of its own beyond its borrowed services.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hub/audit/audit_writer.hpp"
#include "hub/signin/access_rules.hpp"
#include "hub/signin/attempt_store.hpp"
#include "hub/signin/people_store.hpp"
#include "hub/signin/provider_set.hpp"
#include "hub/signin/session_store.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::signin {

// The cookie the browser keeps the attempt's nonce in between start and
// callback.
inline constexpr std::string_view kBindingCookie = "wasl_signin";

struct SigninFlowServices {
  // Borrowed; each must outlive the flow.
  storage::Store* store = nullptr;
  const audit::AuditWriter* audit = nullptr;
  const ProviderSet* providers = nullptr;
  const AttemptStore* attempts = nullptr;
  const PeopleStore* people = nullptr;
  const SessionStore* sessions = nullptr;
  // Epoch milliseconds; the system clock when empty.
  std::function<std::int64_t()> now_ms;
};

// Who asked, for the audit trail.
struct RequestOrigin {
  std::string request_id;
  std::string source_address;
};

struct StartedSignin {
  std::string authorization_url;  // where the browser goes
  std::string nonce;              // what the browser keeps in kBindingCookie
};

// How long the browser keeps kBindingCookie: an attempt's lifetime.
inline constexpr std::int64_t kBindingCookieSeconds = 600;

struct CallbackInput {
  std::string code;
  std::string state;
  std::string error;    // the IdP's `error` parameter, when it sent one
  std::string binding;  // the kBindingCookie value the browser sent, or empty
};

// A finished callback: a session, or the refusal.
struct CallbackResult {
  std::optional<Refusal> refusal;
  bool idp_unreachable = false;  // with kIdpError: the IdP could not be reached (a retry may work)
  std::string session_cookie;    // the new session's cookie value (kSessionCookie)
  std::string return_to;         // where the browser goes next
};

class SigninFlow {
 public:
  explicit SigninFlow(SigninFlowServices services);

  // kNotFound for a provider not configured; kUnavailable when the IdP's
  // discovery cannot be read; a store error as is.
  sdk::Result<StartedSignin> start(std::string_view provider, std::string_view return_to);

  // kNotFound for a provider not configured; a store error as is; every
  // other outcome is a CallbackResult.
  sdk::Result<CallbackResult> callback(std::string_view provider, const CallbackInput& input,
                                       const RequestOrigin& origin);

  // The number of sessions ended. kNotFound for a provider not configured;
  // kInvalidArgument for a token that fails verification or was seen
  // before (nothing ended); kUnavailable when the IdP's keys cannot be read.
  sdk::Result<int> backchannel_logout(std::string_view provider, std::string_view logout_token,
                                      const RequestOrigin& origin);

  // The IdP's end-session URL with `id_token_hint`, returning the browser
  // to <public_url>/console/; nullopt when the provider is not configured
  // (any more), the hint is empty or the IdP has no end_session_endpoint.
  sdk::Result<std::optional<std::string>> logout_url(std::string_view provider,
                                                     std::string_view id_token_hint);

 private:
  std::int64_t now_ms() const;
  sdk::Status audit_refusal(std::string_view provider, Refusal refusal, std::string_view facility,
                            std::string_view check, const RequestOrigin& origin);
  sdk::Result<CallbackResult> refuse(std::string_view provider, Refusal refusal,
                                     std::string_view facility, std::string_view check,
                                     const RequestOrigin& origin, bool unreachable = false);

  SigninFlowServices services_;
};

}  // namespace wasl::signin
