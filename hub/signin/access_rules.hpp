// Access rules: what a person signed in through an identity provider may do
// in Wasl, decided from the claims of their verified ID token and the
// provider's rules in the configuration (signin.providers.<name>.rules and
// signin.mfa). Pure functions: no I/O, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/access/role.hpp"

namespace wasl::signin {

// One rule: a member of `group` gets `role` in `facility`.
struct AccessRule {
  std::string group;
  std::string facility;
  access::Role role = access::Role::kAuditor;
};

// The provider's side of the decision: where its claims are and its rules,
// in the order of the configuration (the first matching rule wins).
struct ProviderAccess {
  std::string groups_claim = "groups";
  std::string practitioner_claim;  // empty: the provider names no practitioner
  std::vector<AccessRule> rules;
};

// Roles that need multi-factor sign-in, and what proves it: any of `amr` in
// the token's amr, or its acr equal to one of `acr`.
struct MfaPolicy {
  std::vector<access::Role> roles;
  std::vector<std::string> amr;
  std::vector<std::string> acr;
};

// Why a sign-in is refused. The callback's refusal page and the audit event
// (`signin.refused`, detail `reason`) name these.
enum class Refusal {
  kNoRule,          // no rule gives the account a role
  kMfaRequired,     // the role needs multi-factor sign-in and the token shows none
  kExpiredAttempt,  // the attempt is unknown, already used or older than 10 minutes
  kIdpError,  // the identity provider refused, could not be reached, or its token failed a check
};

// "no_rule", "mfa_required", "expired_attempt", "idp_error".
std::string_view to_string(Refusal refusal);

// What a signed-in person is given: one facility, one role, and for a
// clinician the practitioner the provider names ("Practitioner/<id>").
struct AccessGrant {
  std::string facility;
  access::Role role = access::Role::kAuditor;
  std::optional<std::string> practitioner;
};

// The outcome of decide(): a grant, or the refusal.
struct AccessDecision {
  std::optional<AccessGrant> grant;
  Refusal refusal = Refusal::kNoRule;  // meaningful when grant is empty
};

// The groups in `claims[groups_claim]`: a JSON array (non-string members
// are skipped) or a space-separated string, as providers send one or the
// other. A missing claim or any other type: no groups. The claim name is
// looked up as given (a name such as "https://example.org/groups" is one
// key, not a path).
std::vector<std::string> claim_groups(const nlohmann::json& claims, std::string_view groups_claim);

// The practitioner `claims[practitioner_claim]` names: "Practitioner/<id>"
// as given, or the tail of an absolute reference such as SMART's fhirUser
// ("https://ehr.example/fhir/Practitioner/3" -> "Practitioner/3"). Nullopt
// when the claim is unset, missing, not a string or names something other
// than a practitioner (a clinician is then signed in without one, as a
// clinician key made without one is).
std::optional<std::string> claim_practitioner(const nlohmann::json& claims,
                                              std::string_view practitioner_claim);

// The first rule whose group the claims name, as a grant (the practitioner
// only for a clinician); nullopt when none matches.
std::optional<AccessGrant> match_rule(const nlohmann::json& claims, const ProviderAccess& provider);

// Whether `role` needs multi-factor sign-in under `policy` and the token's
// amr and acr do not show it.
bool mfa_missing(access::Role role, const std::vector<std::string>& amr, std::string_view acr,
                 const MfaPolicy& policy);

// The rule, then the MFA check: a grant, or kNoRule / kMfaRequired. `amr`
// and `acr` are the verified token's (signin::IdentityClaims).
AccessDecision decide(const nlohmann::json& claims, const std::vector<std::string>& amr,
                      std::string_view acr, const ProviderAccess& provider,
                      const MfaPolicy& policy);

}  // namespace wasl::signin
