#include "hub/access/route_access.hpp"

#include <array>

namespace wasl::access {

namespace {

constexpr RoleSet A = role_bit(Role::kAdmin);
constexpr RoleSet I = role_bit(Role::kIntegrator);
constexpr RoleSet H = role_bit(Role::kHospital);
constexpr RoleSet C = role_bit(Role::kClinician);
constexpr RoleSet U = role_bit(Role::kAuditor);
constexpr RoleSet kNobody = 0;

constexpr RouteAuth kBearer = RouteAuth::kBearer;

// Recording content and participants are clinical: admins and integrators
// operate the hub but do not watch consultations. Notes and prescriptions
// are written by clinicians only, vital signs by clinicians and by the
// hospital's system for the patient; admins and integrators may list them
// but see only that they exist (reads_clinical_content). The audit trail is for
// auditors only.
constexpr std::array kRules = {
    RouteRule{"GET", "/healthz", RouteAuth::kNone, kNobody, "liveness probe"},
    RouteRule{"GET", "/readyz", RouteAuth::kNone, kNobody, "readiness probe"},
    RouteRule{"GET", "/metrics", RouteAuth::kNone, kNobody, "Prometheus metrics"},
    RouteRule{"GET", "/v1/openapi.json", RouteAuth::kNone, kNobody, "the OpenAPI document"},
    RouteRule{"GET", "/.well-known/jwks.json", RouteAuth::kNone, kNobody,
              "the public keys the hub signs with (JWK Set), for clients registered by JWKS URL"},
    RouteRule{"POST", "/v1/webhooks/{instance}", RouteAuth::kSignature, kNobody,
              "webhook ingress, verified by the instance's signature"},
    RouteRule{"GET", "/signin/providers", RouteAuth::kNone, kNobody,
              "the identity providers the console's sign-in offers"},
    RouteRule{"GET", "/signin/{provider}/start", RouteAuth::kNone, kNobody,
              "start signing in: a redirect to the identity provider"},
    RouteRule{"GET", "/signin/{provider}/callback", RouteAuth::kNone, kNobody,
              "the identity provider's answer: the session cookie, or the page saying why not"},
    RouteRule{"POST", "/signin/{provider}/backchannel-logout", RouteAuth::kNone, kNobody,
              "the identity provider ends a person's sessions (its signed logout token)"},

    RouteRule{"GET", "/v1/me", kBearer, A | I | H | C | U,
              "the key's facility, role and the routes it may use"},
    RouteRule{"GET", "/v1/session", kBearer, A | I | H | C | U,
              "the caller's console session: facility, role, person, CSRF token, lifetimes"},
    RouteRule{"POST", "/signin/api-key", RouteAuth::kNone, kNobody,
              "exchange an API key for a console session, where its facility allows it"},
    RouteRule{"POST", "/signin/logout", kBearer, A | I | H | C | U,
              "end the console session (cookie and X-CSRF-Token)"},
    RouteRule{"GET", "/v1/availability", kBearer, A | I | H | C,
              "free slots of a practitioner or a clinic in the facility's EHR"},
    RouteRule{"POST", "/v1/consultations", kBearer, A | I | H, "book a consultation"},
    RouteRule{"GET", "/v1/consultations", kBearer, A | I | H | C, "list consultations"},
    RouteRule{"GET", "/v1/consultations/{id}", kBearer, A | I | H | C, "read a consultation"},
    RouteRule{"POST", "/v1/consultations/{id}/cancel", kBearer, A | I | H, "cancel a consultation"},
    RouteRule{"POST", "/v1/consultations/{id}/retry", kBearer, A | I,
              "retry a stuck consultation's workflow"},
    RouteRule{"GET", "/v1/consultations/{id}/timeline", kBearer, A | I | H,
              "every workflow step of a consultation"},
    RouteRule{"GET", "/v1/consultations/{id}/participants", kBearer, A | H | C,
              "list participants"},
    RouteRule{"POST", "/v1/consultations/{id}/participants", kBearer, A | H | C,
              "add a participant, issue a join token"},
    RouteRule{"GET", "/v1/consultations/{id}/participants/{pid}", kBearer, A | H | C,
              "read a participant"},
    RouteRule{"POST", "/v1/consultations/{id}/participants/{pid}/admit", kBearer, A | C,
              "admit a participant from the waiting room"},
    RouteRule{"DELETE", "/v1/consultations/{id}/participants/{pid}", kBearer, A | C,
              "remove a participant"},
    RouteRule{"POST", "/v1/consultations/{id}/end-session", kBearer, A | H | C,
              "end the consultation's video session at its provider"},
    RouteRule{"GET", "/v1/consultations/{id}/attendance", kBearer, A | I | H | C,
              "who was in the session and when: periods, roles, seconds"},
    RouteRule{"GET", "/v1/consultations/{id}/notifications", kBearer, A | I | H | C,
              "a consultation's messages to its patient: kind, channel, state, times"},
    RouteRule{"PUT", "/v1/notification-opt-outs/{patient}", kBearer, A | I | H,
              "a patient opts out of the facility's messages"},
    RouteRule{"GET", "/v1/notification-opt-outs/{patient}", kBearer, A | I | H,
              "whether a patient opted out of the facility's messages"},
    RouteRule{"DELETE", "/v1/notification-opt-outs/{patient}", kBearer, A | I | H,
              "a patient is sent the facility's messages again"},
    RouteRule{"GET", "/join/{code}", RouteAuth::kNone, kNobody,
              "a patient's join link: the consultation while the link works"},
    RouteRule{"GET", "/v1/consultations/{id}/summary", kBearer, H | C,
              "the patient's visit summary: its facts, or the summary as HTML or PDF"},
    RouteRule{"GET", "/summary/{code}", RouteAuth::kNone, kNobody,
              "a patient's visit summary link: the summary while the link works"},
    RouteRule{"GET", "/v1/consultations/{id}/notes", kBearer, A | I | H | C,
              "list a consultation's notes, every version (text for hospital and clinician)"},
    RouteRule{"POST", "/v1/consultations/{id}/notes", kBearer, C, "write a note (a draft)"},
    RouteRule{"GET", "/v1/consultations/{id}/notes/{nid}", kBearer, A | I | H | C,
              "read a note (text for hospital and clinician)"},
    RouteRule{"PUT", "/v1/consultations/{id}/notes/{nid}", kBearer, C,
              "change a draft note (its author)"},
    RouteRule{"POST", "/v1/consultations/{id}/notes/{nid}/sign", kBearer, C,
              "sign a draft note (its author); it never changes again"},
    RouteRule{"POST", "/v1/consultations/{id}/notes/{nid}/amend", kBearer, C,
              "amend a signed note: a new draft version, both kept"},
    RouteRule{"GET", "/v1/consultations/{id}/prescriptions", kBearer, A | I | H | C,
              "list a consultation's prescriptions (details for hospital and clinician)"},
    RouteRule{"POST", "/v1/consultations/{id}/prescriptions", kBearer, C,
              "prescribe (a draft), within the facility's block list"},
    RouteRule{"GET", "/v1/consultations/{id}/prescriptions/{rid}", kBearer, A | I | H | C,
              "read a prescription (details for hospital and clinician)"},
    RouteRule{"POST", "/v1/consultations/{id}/prescriptions/{rid}/sign", kBearer, C,
              "sign a draft prescription (its author)"},
    RouteRule{"POST", "/v1/consultations/{id}/prescriptions/{rid}/cancel", kBearer, C,
              "cancel a prescription with a reason (kept, never deleted)"},
    RouteRule{"GET", "/v1/consultations/{id}/observations", kBearer, A | I | H | C,
              "list a consultation's vital signs (values for hospital and clinician)"},
    RouteRule{"POST", "/v1/consultations/{id}/observations", kBearer, H | C,
              "report a vital sign (hospital: what the patient reports)"},
    RouteRule{"GET", "/v1/consultations/{id}/observations/{oid}", kBearer, A | I | H | C,
              "read a vital sign (value for hospital and clinician)"},
    RouteRule{"GET", "/feedback/{code}", RouteAuth::kNone, kNobody,
              "a patient's feedback link: the questionnaire while the link works"},
    RouteRule{"POST", "/feedback/{code}", RouteAuth::kNone, kNobody,
              "a patient answers the feedback questionnaire, once per link"},
    RouteRule{"GET", "/v1/consultations/{id}/feedback", kBearer, A | I | H | C,
              "the patient's feedback on a consultation (free text for roles that read PHI)"},
    RouteRule{"GET", "/v1/feedback/summary", kBearer, A | I | H,
              "the facility's feedback ratings in a period, per practitioner"},
    RouteRule{"GET", "/v1/consultations/{id}/documents", kBearer, A | I | H | C,
              "list the shared documents (names for hospital and clinician keys)"},
    RouteRule{"POST", "/v1/consultations/{id}/documents", kBearer, H | C,
              "share a PDF, JPEG or PNG (scanned by ClamAV, kept encrypted)"},
    RouteRule{"POST", "/v1/consultations/{id}/documents/{doc}/link", kBearer, H | C,
              "a short-lived download link for a shared document"},
    RouteRule{"GET", "/v1/consultations/{id}/documents/{doc}/content", kBearer, H | C,
              "a shared document's content (what its DocumentReference in the EHR names)"},
    RouteRule{"GET", "/v1/document-links/{token}", RouteAuth::kNone, kNobody,
              "a shared document's download link: the plaintext while the link works"},
    RouteRule{"GET", "/v1/consultations/{id}/recordings", kBearer, A | H | C,
              "list a consultation's recordings"},
    RouteRule{"GET", "/v1/recordings/{id}", kBearer, A | H | C, "read recording metadata"},
    RouteRule{"GET", "/v1/recordings/{id}/content", kBearer, H | C,
              "download a recording (decrypted, range requests)"},
    RouteRule{"PUT", "/v1/recordings/{id}/legal-hold", kBearer, A,
              "set or release a recording's legal hold"},
    RouteRule{"GET", "/v1/consultations/{id}/claims", kBearer, A | I | H,
              "list a consultation's claims"},
    RouteRule{"GET", "/v1/claims", kBearer, A | I | H, "list claims by state and since a time"},
    RouteRule{"POST", "/v1/claims/poll", kBearer, A | I, "fetch queued claim answers now"},
    RouteRule{"GET", "/v1/claims/{id}", kBearer, A | I | H, "read a claim"},
    RouteRule{"POST", "/v1/claims/{id}/retry", kBearer, A | I, "resubmit a failed claim"},
    RouteRule{"POST", "/v1/claims/{id}/cancel", kBearer, A | I,
              "cancel a claim the payer has not adjudicated"},
    RouteRule{"POST", "/v1/claims/{id}/nullify", kBearer, A | I,
              "nullify an adjudicated claim not yet paid"},
    RouteRule{"POST", "/v1/claims/{id}/resubmit", kBearer, A | I,
              "resubmit a rejected claim as a new claim"},
    RouteRule{"GET", "/v1/payments", kBearer, A | I | H,
              "the payer's payment reconciliations, with their lines"},
    RouteRule{"GET", "/v1/payments/export.csv", kBearer, A | I | H,
              "a period's payment lines as CSV, by payment date"},
    RouteRule{"GET", "/v1/payments/{id}", kBearer, A | I | H, "read a payment reconciliation"},
    RouteRule{"GET", "/v1/usage", kBearer, A | I | H,
              "attendee-minutes by facility, instance, practitioner, day (JSON or CSV)"},
    RouteRule{"GET", "/v1/billing/messages", kBearer, A | I,
              "the messages polled from the exchange, by state"},
    RouteRule{"POST", "/v1/billing/messages/{id}/replay", kBearer, A | I,
              "route a stored billing message again"},
    RouteRule{"GET", "/v1/advanced-authorizations", kBearer, A | I,
              "the payer's advanced authorizations, by patient and coverage"},
    RouteRule{"GET", "/v1/advanced-authorizations/{id}", kBearer, A | I,
              "read an advanced authorization"},
    RouteRule{"GET", "/v1/information-requests", kBearer, A | I,
              "the payer's information requests about the facility's claims"},
    RouteRule{"GET", "/v1/information-requests/{id}", kBearer, A | I,
              "read an information request and its answer"},
    RouteRule{"POST", "/v1/information-requests/{id}/answer", kBearer, A | I,
              "answer an information request"},
    RouteRule{"GET", "/v1/workflows", kBearer, A | I, "list deployed workflows"},
    RouteRule{"GET", "/v1/workflows/{name}", kBearer, A | I, "read a workflow definition"},
    RouteRule{"GET", "/v1/workflows/{name}/diff", kBearer, A | I,
              "compare two deployed versions of a workflow, line by line"},
    RouteRule{"GET", "/v1/runs", kBearer, A | I,
              "the facility's workflow runs across consultations"},
    RouteRule{"PUT", "/v1/workflows/{name}", kBearer, A | I, "deploy a workflow version"},
    RouteRule{"GET", "/v1/plugins", kBearer, A | I, "loaded plugins and instances"},
    RouteRule{"GET", "/v1/plugins/instances", kBearer, A | I,
              "the facility's plugin instances with live health"},
    RouteRule{"GET", "/v1/plugins/instances/{name}", kBearer, A | I,
              "one plugin instance with live health"},
    RouteRule{"GET", "/v1/residency", kBearer, A | I | U,
              "where the facility's data is processed, by kind, and its residency exceptions"},
    RouteRule{"GET", "/v1/alerts", kBearer, A | I | H | C | U,
              "the facility's plugin instances that started failing or recovered"},
    RouteRule{"GET", "/v1/audit", kBearer, U, "query the audit trail (JSON or FHIR)"},
    RouteRule{"GET", "/v1/audit/verification", kBearer, U,
              "the audit chain's verification status (deployment-wide)"},
    RouteRule{"GET", "/v1/webhooks/unmatched", kBearer, A | I,
              "webhooks that matched no consultation"},
    RouteRule{"POST", "/v1/webhooks/unmatched/{id}/replay", kBearer, A | I,
              "dispatch an unmatched webhook again"},
    RouteRule{"GET", "/v1/dead-letters", kBearer, A | I,
              "failed runs and unmatched webhooks in one list"},
    RouteRule{"POST", "/v1/dead-letters/replay", kBearer, A | I,
              "replay up to 100 unmatched webhooks at once"},
};

// Compares templates segment by segment; "{...}" segments match each other.
bool same_template(std::string_view a, std::string_view b) {
  while (true) {
    if (a.empty() || b.empty()) return a.empty() && b.empty();
    auto sa = a.find('/', 1);
    auto sb = b.find('/', 1);
    std::string_view ha = a.substr(0, sa);
    std::string_view hb = b.substr(0, sb);
    auto is_param = [](std::string_view s) {
      return s.size() >= 3 && s[0] == '/' && s[1] == '{' && s.back() == '}';
    };
    if (!(ha == hb || (is_param(ha) && is_param(hb)))) return false;
    a = sa == std::string_view::npos ? std::string_view{} : a.substr(sa);
    b = sb == std::string_view::npos ? std::string_view{} : b.substr(sb);
  }
}

std::string_view auth_text(RouteAuth auth) {
  switch (auth) {
    case RouteAuth::kNone: return "none";
    case RouteAuth::kSignature: return "signature";
    case RouteAuth::kBearer: return "bearer";
  }
  return "none";
}

}  // namespace

std::span<const RouteRule> route_rules() { return kRules; }

bool reads_phi(Role role) { return allowed(role, "GET", "/v1/consultations/{id}/participants"); }

bool reads_clinical_content(Role role) {
  return allowed(role, "GET", "/v1/recordings/{id}/content");
}

const RouteRule* find_route_rule(std::string_view method, std::string_view path_template) {
  for (const auto& rule : kRules) {
    if (rule.method == method && same_template(rule.path_template, path_template)) return &rule;
  }
  return nullptr;
}

bool allowed(Role role, std::string_view method, std::string_view path_template) {
  const RouteRule* rule = find_route_rule(method, path_template);
  if (rule == nullptr || rule->auth != RouteAuth::kBearer) return false;
  return (rule->roles & role_bit(role)) != 0;
}

std::string route_matrix_markdown() {
  std::string out = "| method | route | auth |";
  for (Role r : kAllRoles) {
    out += ' ';
    out += to_string(r);
    out += " |";
  }
  out += " purpose |\n|---|---|---|";
  for (std::size_t i = 0; i < kAllRoles.size(); ++i) out += "---|";
  out += "---|\n";
  for (const auto& rule : kRules) {
    out += "| ";
    out += rule.method;
    out += " | `";
    out += rule.path_template;
    out += "` | ";
    out += auth_text(rule.auth);
    out += " |";
    for (Role r : kAllRoles) {
      if (rule.auth != RouteAuth::kBearer) {
        out += " n/a |";
      } else {
        out += (rule.roles & role_bit(r)) != 0 ? " yes |" : "  |";
      }
    }
    out += ' ';
    out += rule.purpose;
    out += " |\n";
  }
  return out;
}

}  // namespace wasl::access
