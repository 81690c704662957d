#include "hub/access/role.hpp"

namespace wasl::access {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kIntegrator: return "integrator";
    case Role::kHospital: return "hospital";
    case Role::kClinician: return "clinician";
    case Role::kAuditor: return "auditor";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : kAllRoles) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

}  // namespace wasl::access
