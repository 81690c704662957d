#include "hub/signin/access_rules.hpp"

#include <gtest/gtest.h>

namespace wasl::signin {
namespace {

using access::Role;
using nlohmann::json;

ProviderAccess hospital() {
  return ProviderAccess{
      .groups_claim = "groups",
      .practitioner_claim = "fhir_user",
      .rules = {
          {.group = "wasl-sandbox-integrators", .facility = "sandbox", .role = Role::kIntegrator},
          {.group = "wasl-sandbox-b-clinicians", .facility = "sandbox-b", .role = Role::kClinician},
          {.group = "wasl-auditors", .facility = "sandbox", .role = Role::kAuditor},
          {.group = "wasl-sandbox-b-clinicians", .facility = "sandbox", .role = Role::kAdmin}}};
}

MfaPolicy policy() {
  return MfaPolicy{.roles = {Role::kAdmin, Role::kIntegrator, Role::kClinician},
                   .amr = {"mfa", "otp", "hwk", "swk", "sms"},
                   .acr = {"urn:example:loa:2"}};
}

TEST(AccessRules, RefusalsHaveTheirWireNames) {
  EXPECT_EQ(to_string(Refusal::kNoRule), "no_rule");
  EXPECT_EQ(to_string(Refusal::kMfaRequired), "mfa_required");
  EXPECT_EQ(to_string(Refusal::kExpiredAttempt), "expired_attempt");
  EXPECT_EQ(to_string(Refusal::kIdpError), "idp_error");
}

TEST(AccessRules, GroupsAsAnArray) {
  json claims = {{"groups", {"a", "b", 3, nullptr, "", "c"}}};
  EXPECT_EQ(claim_groups(claims, "groups"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(AccessRules, GroupsAsASpaceSeparatedString) {
  json claims = {{"groups", "  a b\tc  "}};
  EXPECT_EQ(claim_groups(claims, "groups"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(AccessRules, GroupsMissingOrOfAnotherTypeAreNone) {
  EXPECT_TRUE(claim_groups(json{{"roles", {"a"}}}, "groups").empty());
  EXPECT_TRUE(claim_groups(json{{"groups", 5}}, "groups").empty());
  EXPECT_TRUE(claim_groups(json{{"groups", {{"a", "b"}}}}, "groups").empty());
  EXPECT_TRUE(claim_groups(json::array(), "groups").empty());
  EXPECT_TRUE(claim_groups(json{{"groups", {"a"}}}, "").empty());
}

TEST(AccessRules, ClaimNameIsOneKeyNotAPath) {
  json claims = {{"https://example.org/groups", {"a"}}, {"realm", {{"groups", {"b"}}}}};
  EXPECT_EQ(claim_groups(claims, "https://example.org/groups"), std::vector<std::string>{"a"});
  EXPECT_TRUE(claim_groups(claims, "realm.groups").empty());
}

TEST(AccessRules, FirstMatchingRuleWins) {
  json claims = {{"sub", "u1"},
                 {"groups", {"wasl-sandbox-b-clinicians", "wasl-sandbox-integrators"}},
                 {"fhir_user", "Practitioner/3"}};
  auto grant = match_rule(claims, hospital());
  ASSERT_TRUE(grant);
  // The integrators' rule comes first in the configuration, whatever the
  // order of the groups in the token.
  EXPECT_EQ(grant->facility, "sandbox");
  EXPECT_EQ(grant->role, Role::kIntegrator);
  EXPECT_FALSE(grant->practitioner) << "only a clinician names a practitioner";
}

TEST(AccessRules, ClinicianGetsThePractitionerTheProviderNames) {
  json claims = {{"groups", {"wasl-sandbox-b-clinicians"}}, {"fhir_user", "Practitioner/3"}};
  auto grant = match_rule(claims, hospital());
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->facility, "sandbox-b");
  EXPECT_EQ(grant->role, Role::kClinician);
  EXPECT_EQ(grant->practitioner, "Practitioner/3");
}

TEST(AccessRules, PractitionerFromAnAbsoluteReference) {
  EXPECT_EQ(claim_practitioner(json{{"fhirUser", "https://ehr.example/fhir/Practitioner/p-7"}},
                               "fhirUser"),
            "Practitioner/p-7");
  EXPECT_FALSE(
      claim_practitioner(json{{"fhirUser", "https://ehr.example/fhir/Patient/7"}}, "fhirUser"));
  EXPECT_FALSE(claim_practitioner(json{{"fhirUser", "ftp://x/Practitioner/7"}}, "fhirUser"));
  EXPECT_FALSE(claim_practitioner(json{{"fhirUser", "Practitioner/"}}, "fhirUser"));
  EXPECT_FALSE(claim_practitioner(json{{"fhirUser", "Practitioner/a b"}}, "fhirUser"));
  EXPECT_FALSE(claim_practitioner(json{{"fhirUser", 3}}, "fhirUser"));
  EXPECT_FALSE(claim_practitioner(json{{"fhirUser", "Practitioner/3"}}, ""));
  EXPECT_FALSE(claim_practitioner(json::object(), "fhirUser"));
}

TEST(AccessRules, ClinicianWithoutThePractitionerClaimHasNone) {
  json claims = {{"groups", {"wasl-sandbox-b-clinicians"}}};
  auto grant = match_rule(claims, hospital());
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->role, Role::kClinician);
  EXPECT_FALSE(grant->practitioner);
}

TEST(AccessRules, NoMatchingGroupIsNoRule) {
  for (const json& claims : {json{{"groups", {"wasl-other"}}}, json{{"sub", "u1"}},
                             json{{"groups", "wasl-sandbox-integrators-old"}}}) {
    EXPECT_FALSE(match_rule(claims, hospital())) << claims.dump();
    AccessDecision decision = decide(claims, {"pwd", "mfa"}, "mfa", hospital(), policy());
    EXPECT_FALSE(decision.grant);
    EXPECT_EQ(decision.refusal, Refusal::kNoRule);
  }
}

TEST(AccessRules, MfaByAmr) {
  json claims = {{"groups", "wasl-sandbox-integrators"}};
  AccessDecision with = decide(claims, {"pwd", "mfa"}, "", hospital(), policy());
  ASSERT_TRUE(with.grant);
  EXPECT_EQ(with.grant->role, Role::kIntegrator);

  AccessDecision without = decide(claims, {"pwd"}, "", hospital(), policy());
  EXPECT_FALSE(without.grant);
  EXPECT_EQ(without.refusal, Refusal::kMfaRequired);

  AccessDecision none = decide(claims, {}, "", hospital(), policy());
  EXPECT_EQ(none.refusal, Refusal::kMfaRequired);
}

TEST(AccessRules, MfaByAcr) {
  json claims = {{"groups", {"wasl-sandbox-integrators"}}};
  EXPECT_TRUE(decide(claims, {"pwd"}, "urn:example:loa:2", hospital(), policy()).grant);
  EXPECT_FALSE(decide(claims, {"pwd"}, "urn:example:loa:1", hospital(), policy()).grant);
  // An empty acr never matches, even when the policy lists an empty value.
  MfaPolicy odd = policy();
  odd.acr.push_back("");
  EXPECT_FALSE(decide(claims, {"pwd"}, "", hospital(), odd).grant);
}

TEST(AccessRules, RolesOutsideThePolicyNeedNoMfa) {
  json claims = {{"groups", {"wasl-auditors"}}};
  AccessDecision decision = decide(claims, {"pwd"}, "", hospital(), policy());
  ASSERT_TRUE(decision.grant);
  EXPECT_EQ(decision.grant->role, Role::kAuditor);
  EXPECT_FALSE(mfa_missing(Role::kAuditor, {}, "", policy()));
  EXPECT_TRUE(mfa_missing(Role::kAdmin, {}, "", policy()));
  EXPECT_FALSE(mfa_missing(Role::kAdmin, {}, "", MfaPolicy{}));
}

TEST(AccessRules, TheMfaCheckIsOnTheRoleTheFirstRuleGives) {
  // The clinicians' group also has an admin rule further down: the first
  // rule (clinician) decides, and the later one is not a way round MFA.
  json claims = {{"groups", {"wasl-sandbox-b-clinicians"}}};
  AccessDecision decision = decide(claims, {"pwd"}, "", hospital(), policy());
  EXPECT_FALSE(decision.grant);
  EXPECT_EQ(decision.refusal, Refusal::kMfaRequired);
}

}  // namespace
}  // namespace wasl::signin
