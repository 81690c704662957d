// Role: what an API key may do. Every key carries exactly one.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace wasl::access {

enum class Role {
  kAdmin,       // administers its facility: configuration, keys, workflows, operations
  kIntegrator,  // integration engineer: workflows, plugins, repair of runs
  kHospital,    // a hospital system: books consultations, reads their state
  kClinician,   // a clinician's application: joins, admits, reads the clinical record
  kAuditor,     // reads the audit trail, nothing else
};

inline constexpr std::array<Role, 5> kAllRoles = {Role::kAdmin, Role::kIntegrator, Role::kHospital,
                                                  Role::kClinician, Role::kAuditor};

// "admin", "integrator", "hospital", "clinician", "auditor".
std::string_view to_string(Role role);

// The inverse of to_string (exact, lowercase); nullopt for anything else.
std::optional<Role> parse_role(std::string_view text);

}  // namespace wasl::access
