// The role × route matrix: written once here, consulted by the router for
// every request and rendered into the README. A route not in the table is
// refused to everyone (fail closed).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hub/access/role.hpp"

namespace wasl::access {

// How a route authenticates its caller.
enum class RouteAuth {
  kNone,       // public probes: /healthz, /readyz, /metrics, /v1/openapi.json
  kSignature,  // webhooks: the plugin instance verifies the sender's signature
  kBearer,     // Authorization: Bearer <api key>, then the role check below
};

using RoleSet = std::uint8_t;  // bit (1 << Role) per allowed role

constexpr RoleSet role_bit(Role r) { return static_cast<RoleSet>(1u << static_cast<unsigned>(r)); }

struct RouteRule {
  std::string_view method;         // "GET", "POST", "PUT", "DELETE"
  std::string_view path_template;  // as registered with the router, e.g. "/v1/consultations/{id}"
  RouteAuth auth;
  RoleSet roles;             // meaningful for kBearer only
  std::string_view purpose;  // one line for the README
};

// Every route of the HTTP API, in README order.
std::span<const RouteRule> route_rules();

// The rule for (method, template), or nullptr. Parameter segments match
// whatever their names ("{id}" equals "{consultation_id}"); literals and the
// method must match exactly.
const RouteRule* find_route_rule(std::string_view method, std::string_view path_template);

// True only for a kBearer route listed with `role`. Unknown routes, public and
// signature routes answer false: the router must consult find_route_rule()
// for those before asking about roles. Thread-safe (reads a constant table).
bool allowed(Role role, std::string_view method, std::string_view path_template);

// Whether a key of `role` reads PHI in clear: the roles the matrix lets read
// a consultation's participants, the clinical record (admin, hospital,
// clinician). Every other role reads a consultation's references and
// statuses only, and a run's data with PHI masked. Thread-safe.
bool reads_phi(Role role);

// Whether a key of `role` reads what clinicians write: a note's text, a
// prescription's medication, dosage, instructions and cancellation reason,
// a vital sign's value.
// The roles the matrix lets play a consultation's recording (hospital,
// clinician); the others allowed on those routes (admin, integrator) see
// that a note or prescription exists, its status, author and times, never
// its content. Thread-safe.
bool reads_clinical_content(Role role);

// The matrix as a GitHub Markdown table: one row per route, one column per
// role ("yes" or empty), plus how the route authenticates.
std::string route_matrix_markdown();

}  // namespace wasl::access
