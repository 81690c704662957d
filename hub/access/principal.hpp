// Principal: who is calling, as established by an API key or by a console
// session (a person signed in through the hospital's identity provider, or
// an operator who signed in to the console with an API key).
#pragma once

#include <optional>
#include <string>

#include "hub/access/role.hpp"

namespace wasl::access {

// A person signed in to the console through the hospital's identity
// provider. The name is personal data: it is never logged, and the audit
// trail stores the person's id, not the name (signin's people table holds
// it encrypted).
struct Person {
  std::string person_id;     // "psn_<hex>": the hub's id for (provider, subject)
  std::string display_name;  // as the identity provider names them
};

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
  // Set when a person signed in through the identity provider; key_id is
  // then empty.
  std::optional<Person> person;
  // The console session the request came in on ("ses_<hex>", its public
  // reference, never the cookie's value); empty for a bearer API key.
  std::string session_ref;

  // Whether anyone authenticated (an API key or a person).
  bool authenticated() const { return !key_id.empty() || person.has_value(); }

  // The audit actor for this principal: "person:<person_id>" for a signed-in
  // person, else "apikey:<key_id>".
  std::string actor() const { return person ? "person:" + person->person_id : "apikey:" + key_id; }
};

}  // namespace wasl::access
