// The waiting room's rule: who is admitted to a consultation at once when
// added, and who waits for a clinician or an admin to admit them.
//
// A clinician role is not enough on its own: anyone holding a hospital or
// admin key could declare themselves a doctor. Admitted at once is a
// clinician added by a clinician key, or the clinician the consultation's
// EHR record names as its practitioner. Everyone else waits.
//
// Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hub/access/role.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/domain/participant.hpp"

namespace wasl::consultations {

// Why the participant being added skips the waiting room ("clinician_key" or
// "consultation_practitioner", recorded in the audit event's detail), or
// nullopt when it waits. `practitioner` is the EHR reference the request
// gives for the clinician ("Practitioner/3"), if any; `key_role` is the role
// of the API key adding it.
std::optional<std::string_view> admitted_because(domain::ParticipantRole role,
                                                 const std::optional<std::string>& practitioner,
                                                 access::Role key_role,
                                                 const domain::Consultation& consultation);

}  // namespace wasl::consultations
