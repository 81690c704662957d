#include "hub/signin/access_rules.hpp"

#include <algorithm>

#include "hub/access/api_key_store.hpp"

namespace wasl::signin {

std::string_view to_string(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNoRule: return "no_rule";
    case Refusal::kMfaRequired: return "mfa_required";
    case Refusal::kExpiredAttempt: return "expired_attempt";
    case Refusal::kIdpError: return "idp_error";
  }
  return "idp_error";
}

std::vector<std::string> claim_groups(const nlohmann::json& claims, std::string_view groups_claim) {
  std::vector<std::string> groups;
  if (!claims.is_object() || groups_claim.empty()) return groups;
  auto it = claims.find(std::string(groups_claim));
  if (it == claims.end()) return groups;
  if (it->is_array()) {
    for (const nlohmann::json& member : *it) {
      if (member.is_string() && !member.get_ref<const std::string&>().empty()) {
        groups.push_back(member.get<std::string>());
      }
    }
  } else if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t space = text.find_first_of(" \t", at);
      if (space == std::string::npos) space = text.size();
      if (space > at) groups.push_back(text.substr(at, space - at));
      at = space + 1;
    }
  }
  return groups;
}

std::optional<std::string> claim_practitioner(const nlohmann::json& claims,
                                              std::string_view practitioner_claim) {
  if (!claims.is_object() || practitioner_claim.empty()) return std::nullopt;
  auto it = claims.find(std::string(practitioner_claim));
  if (it == claims.end() || !it->is_string()) return std::nullopt;
  std::string_view value = it->get_ref<const std::string&>();
  if (access::is_practitioner_reference(value)) return std::string(value);
  // An absolute reference: the last two segments, when the text before them
  // ends the base URL.
  constexpr std::string_view kMarker = "/Practitioner/";
  std::size_t at = value.rfind(kMarker);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view tail = value.substr(at + 1);
  if (!access::is_practitioner_reference(tail)) return std::nullopt;
  std::string_view base = value.substr(0, at);
  if (base.substr(0, 8) != "https://" && base.substr(0, 7) != "http://") return std::nullopt;
  return std::string(tail);
}

std::optional<AccessGrant> match_rule(const nlohmann::json& claims,
                                      const ProviderAccess& provider) {
  const std::vector<std::string> groups = claim_groups(claims, provider.groups_claim);
  for (const AccessRule& rule : provider.rules) {
    if (std::find(groups.begin(), groups.end(), rule.group) == groups.end()) continue;
    AccessGrant grant{.facility = rule.facility, .role = rule.role, .practitioner = std::nullopt};
    if (rule.role == access::Role::kClinician) {
      grant.practitioner = claim_practitioner(claims, provider.practitioner_claim);
    }
    return grant;
  }
  return std::nullopt;
}

bool mfa_missing(access::Role role, const std::vector<std::string>& amr, std::string_view acr,
                 const MfaPolicy& policy) {
  if (std::find(policy.roles.begin(), policy.roles.end(), role) == policy.roles.end()) {
    return false;
  }
  for (const std::string& method : amr) {
    if (std::find(policy.amr.begin(), policy.amr.end(), method) != policy.amr.end()) return false;
  }
  if (!acr.empty() && std::find(policy.acr.begin(), policy.acr.end(), acr) != policy.acr.end()) {
    return false;
  }
  return true;
}

AccessDecision decide(const nlohmann::json& claims, const std::vector<std::string>& amr,
                      std::string_view acr, const ProviderAccess& provider,
                      const MfaPolicy& policy) {
  std::optional<AccessGrant> grant = match_rule(claims, provider);
  if (!grant) return AccessDecision{.grant = std::nullopt, .refusal = Refusal::kNoRule};
  if (mfa_missing(grant->role, amr, acr, policy)) {
    return AccessDecision{.grant = std::nullopt, .refusal = Refusal::kMfaRequired};
  }
  return AccessDecision{.grant = std::move(grant), .refusal = Refusal::kNoRule};
}

}  // namespace wasl::signin
