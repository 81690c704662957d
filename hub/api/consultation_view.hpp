// The consultation as a role reads it: whole for a role that reads PHI
// (access::reads_phi), its references and statuses only for the others (an
// integrator): the patient's and the practitioner's summaries (name,
// identifiers, phone, e-mail, birth date, diagnosis codes) are left out.
#pragma once

#include <nlohmann/json.hpp>

#include "hub/access/role.hpp"
#include "hub/domain/consultation.hpp"

namespace wasl::api {

// The consultation's JSON form (domain/consultation.hpp) for `role`.
nlohmann::json consultation_view(const domain::Consultation& consultation, access::Role role);

}  // namespace wasl::api
