// Principal: who is calling, as established by an API key.
#pragma once

#include <optional>
#include <string>

#include "hub/access/role.hpp"

namespace wasl::access {

// A key belongs to exactly one facility and sees only that facility's data;
// an admin key is the admin of its own facility, not of others.
struct Principal {
  std::string key_id;
  std::string facility_id;
  Role role = Role::kAuditor;
  // The practitioner a clinician key belongs to, as the facility's EHR names
  // it ("Practitioner/3"); none for the other roles and for clinician keys
  // made without one (those are never admitted to a session at once).
  std::optional<std::string> practitioner;

  // The audit actor for this principal: "apikey:<key_id>".
  std::string actor() const { return "apikey:" + key_id; }
};

}  // namespace wasl::access
