// Walks every route of the matrix with every role against a table written
// out independently here.
#include "hub/access/route_access.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "hub/config/schema.hpp"

namespace wasl::access {
namespace {

// Letters: a admin, i integrator, h hospital, c clinician, u auditor.
// "-" public, "sig" signature-verified.
const std::map<std::string, std::string>& expected_matrix() {
  static const std::map<std::string, std::string> m = {
      {"GET /healthz", "-"},
      {"GET /readyz", "-"},
      {"GET /metrics", "-"},
      {"GET /v1/openapi.json", "-"},
      {"GET /.well-known/jwks.json", "-"},
      {"POST /v1/webhooks/{instance}", "sig"},
      {"GET /signin/providers", "-"},
      {"GET /signin/{provider}/start", "-"},
      {"GET /signin/{provider}/callback", "-"},
      {"POST /signin/{provider}/backchannel-logout", "-"},
      {"GET /v1/me", "aihcu"},
      {"GET /v1/session", "aihcu"},
      {"POST /signin/api-key", "-"},
      {"POST /signin/logout", "aihcu"},
      {"GET /v1/availability", "aihc"},
      {"POST /v1/consultations", "aih"},
      {"GET /v1/consultations", "aihc"},
      {"GET /v1/consultations/{id}", "aihc"},
      {"POST /v1/consultations/{id}/cancel", "aih"},
      {"POST /v1/consultations/{id}/retry", "ai"},
      {"GET /v1/consultations/{id}/timeline", "aih"},
      {"GET /v1/consultations/{id}/participants", "ahc"},
      {"POST /v1/consultations/{id}/participants", "ahc"},
      {"GET /v1/consultations/{id}/participants/{pid}", "ahc"},
      {"POST /v1/consultations/{id}/participants/{pid}/admit", "ac"},
      {"DELETE /v1/consultations/{id}/participants/{pid}", "ac"},
      {"POST /v1/consultations/{id}/end-session", "ahc"},
      {"GET /v1/consultations/{id}/attendance", "aihc"},
      {"GET /v1/consultations/{id}/notifications", "aihc"},
      {"PUT /v1/notification-opt-outs/{patient}", "aih"},
      {"GET /v1/notification-opt-outs/{patient}", "aih"},
      {"DELETE /v1/notification-opt-outs/{patient}", "aih"},
      {"GET /join/{code}", "-"},
      {"GET /v1/consultations/{id}/notes", "aihc"},
      {"POST /v1/consultations/{id}/notes", "c"},
      {"GET /v1/consultations/{id}/notes/{nid}", "aihc"},
      {"PUT /v1/consultations/{id}/notes/{nid}", "c"},
      {"POST /v1/consultations/{id}/notes/{nid}/sign", "c"},
      {"POST /v1/consultations/{id}/notes/{nid}/amend", "c"},
      {"GET /v1/consultations/{id}/prescriptions", "aihc"},
      {"POST /v1/consultations/{id}/prescriptions", "c"},
      {"GET /v1/consultations/{id}/prescriptions/{rid}", "aihc"},
      {"POST /v1/consultations/{id}/prescriptions/{rid}/sign", "c"},
      {"POST /v1/consultations/{id}/prescriptions/{rid}/cancel", "c"},
      {"GET /v1/consultations/{id}/observations", "aihc"},
      {"POST /v1/consultations/{id}/observations", "hc"},
      {"GET /v1/consultations/{id}/observations/{oid}", "aihc"},
      {"GET /v1/consultations/{id}/summary", "hc"},
      {"GET /summary/{code}", "-"},
      {"GET /feedback/{code}", "-"},
      {"POST /feedback/{code}", "-"},
      {"GET /v1/consultations/{id}/feedback", "aihc"},
      {"GET /v1/feedback/summary", "aih"},
      {"GET /v1/consultations/{id}/documents", "aihc"},
      {"POST /v1/consultations/{id}/documents", "hc"},
      {"POST /v1/consultations/{id}/documents/{doc}/link", "hc"},
      {"GET /v1/consultations/{id}/documents/{doc}/content", "hc"},
      {"GET /v1/document-links/{token}", "-"},
      {"GET /v1/consultations/{id}/recordings", "ahc"},
      {"GET /v1/recordings/{id}", "ahc"},
      {"GET /v1/recordings/{id}/content", "hc"},
      {"PUT /v1/recordings/{id}/legal-hold", "a"},
      {"GET /v1/consultations/{id}/claims", "aih"},
      {"GET /v1/claims", "aih"},
      {"POST /v1/claims/poll", "ai"},
      {"GET /v1/claims/{id}", "aih"},
      {"POST /v1/claims/{id}/retry", "ai"},
      {"POST /v1/claims/{id}/cancel", "ai"},
      {"POST /v1/claims/{id}/nullify", "ai"},
      {"POST /v1/claims/{id}/resubmit", "ai"},
      {"GET /v1/payments", "aih"},
      {"GET /v1/payments/export.csv", "aih"},
      {"GET /v1/payments/{id}", "aih"},
      {"GET /v1/usage", "aih"},
      {"GET /v1/billing/messages", "ai"},
      {"POST /v1/billing/messages/{id}/replay", "ai"},
      {"GET /v1/advanced-authorizations", "ai"},
      {"GET /v1/advanced-authorizations/{id}", "ai"},
      {"GET /v1/information-requests", "ai"},
      {"GET /v1/information-requests/{id}", "ai"},
      {"POST /v1/information-requests/{id}/answer", "ai"},
      {"GET /v1/workflows", "ai"},
      {"GET /v1/workflows/{name}", "ai"},
      {"GET /v1/workflows/{name}/diff", "ai"},
      {"GET /v1/runs", "ai"},
      {"PUT /v1/workflows/{name}", "ai"},
      {"GET /v1/plugins", "ai"},
      {"GET /v1/plugins/instances", "ai"},
      {"GET /v1/plugins/instances/{name}", "ai"},
      {"GET /v1/residency", "aiu"},
      {"GET /v1/alerts", "aihcu"},
      {"GET /v1/audit", "u"},
      {"GET /v1/audit/verification", "u"},
      {"GET /v1/webhooks/unmatched", "ai"},
      {"POST /v1/webhooks/unmatched/{id}/replay", "ai"},
      {"GET /v1/dead-letters", "ai"},
      {"POST /v1/dead-letters/replay", "ai"},
  };
  return m;
}

char letter(Role r) {
  switch (r) {
    case Role::kAdmin: return 'a';
    case Role::kIntegrator: return 'i';
    case Role::kHospital: return 'h';
    case Role::kClinician: return 'c';
    case Role::kAuditor: return 'u';
  }
  return '?';
}

TEST(RouteAccessTest, EveryRoleOnEveryRouteMatchesTheExpectedTable) {
  const auto& expected = expected_matrix();
  std::set<std::string> seen;
  for (const RouteRule& rule : route_rules()) {
    const std::string key = std::string(rule.method) + " " + std::string(rule.path_template);
    ASSERT_TRUE(seen.insert(key).second) << "listed twice: " << key;
    auto it = expected.find(key);
    ASSERT_NE(it, expected.end()) << "route not in the expected table: " << key;
    const std::string& want = it->second;
    if (want == "-") {
      EXPECT_EQ(rule.auth, RouteAuth::kNone) << key;
    } else if (want == "sig") {
      EXPECT_EQ(rule.auth, RouteAuth::kSignature) << key;
    } else {
      EXPECT_EQ(rule.auth, RouteAuth::kBearer) << key;
    }
    for (Role role : kAllRoles) {
      const bool want_allowed =
          want.find(letter(role)) != std::string::npos && want != "-" && want != "sig";
      EXPECT_EQ(allowed(role, rule.method, rule.path_template), want_allowed)
          << to_string(role) << " on " << key;
    }
  }
  EXPECT_EQ(seen.size(), expected.size()) << "a route of the expected table is missing";
}

TEST(RouteAccessTest, ClinicalContentIsForHospitalAndClinicianOnly) {
  for (Role role : kAllRoles) {
    EXPECT_EQ(reads_clinical_content(role), role == Role::kHospital || role == Role::kClinician)
        << to_string(role);
  }
}

TEST(RouteAccessTest, AuditTrailIsForAuditorsOnly) {
  for (Role role : kAllRoles) {
    EXPECT_EQ(allowed(role, "GET", "/v1/audit"), role == Role::kAuditor) << to_string(role);
    EXPECT_EQ(allowed(role, "GET", "/v1/audit/verification"), role == Role::kAuditor)
        << to_string(role);
  }
}

TEST(RouteAccessTest, UnknownRoutesAndMethodsAreDeniedToEveryone) {
  for (Role role : kAllRoles) {
    EXPECT_FALSE(allowed(role, "GET", "/v1/secrets"));
    EXPECT_FALSE(allowed(role, "DELETE", "/v1/consultations/{id}"));
    EXPECT_FALSE(allowed(role, "get", "/v1/consultations"));
    EXPECT_FALSE(allowed(role, "GET", "/v1/consultations/"));
    EXPECT_FALSE(allowed(role, "GET", "/v1/consultations/{id}/extra"));
    EXPECT_FALSE(allowed(role, "GET", "/v1/consultations/42"));  // a path, not a template
    EXPECT_FALSE(allowed(role, "GET", ""));
    EXPECT_FALSE(allowed(role, "POST", "/v1/webhooks/{instance}"));  // signature, not roles
    EXPECT_FALSE(allowed(role, "GET", "/healthz"));                  // public, not roles
  }
  EXPECT_EQ(find_route_rule("GET", "/v1/secrets"), nullptr);
}

TEST(RouteAccessTest, ParameterNamesDoNotMatter) {
  EXPECT_TRUE(allowed(Role::kClinician, "POST",
                      "/v1/consultations/{consultation_id}/participants/{participant_id}/admit"));
  const RouteRule* rule = find_route_rule("POST", "/v1/webhooks/{name}");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->auth, RouteAuth::kSignature);
}

TEST(RouteAccessTest, MarkdownHasOneRowPerRoute) {
  const std::string md = route_matrix_markdown();
  std::size_t lines = 0;
  for (char c : md) lines += c == '\n';
  EXPECT_EQ(lines, route_rules().size() + 2);  // header and separator
  EXPECT_NE(md.find("| method | route | auth | admin | integrator | hospital | clinician | "
                    "auditor | purpose |"),
            std::string::npos);
  EXPECT_NE(md.find("| GET | `/v1/audit` | bearer |  |  |  |  | yes |"), std::string::npos);
  EXPECT_NE(md.find("| POST | `/v1/webhooks/{instance}` | signature | n/a |"), std::string::npos);
}

// The config names the roles itself (it sits below access); the two lists
// agree, in order.
TEST(RoleTest, TheConfigKnowsEveryRoleByItsName) {
  std::vector<std::string> names;
  for (Role role : kAllRoles) names.emplace_back(to_string(role));
  EXPECT_EQ(config::role_names(), names);
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : kAllRoles) EXPECT_EQ(parse_role(to_string(role)), role);
  EXPECT_FALSE(parse_role("Admin").has_value());
  EXPECT_FALSE(parse_role("root").has_value());
  EXPECT_FALSE(parse_role("").has_value());
}

}  // namespace
}  // namespace wasl::access
