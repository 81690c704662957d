// The waiting room's rule: who is admitted to a consultation at once when
// added, and who waits for a clinician or an admin to admit them.
//
// Neither a role nor a reference in the request is enough: any key that can
// read a consultation can name its practitioner, and anyone holding a
// hospital or admin key could declare themselves a doctor. Admitted at once
// is a clinician added by a clinician key bound to the practitioner the
// consultation names, or by a clinician key whose practitioner is already
// admitted to the consultation. Everyone else waits.
//
// Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hub/access/principal.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/domain/participant.hpp"

namespace wasl::consultations {

// The practitioner a participant being added is: the reference the request
// names, else, for a clinician added by a clinician key, the key's own
// practitioner (the clinician's application adds its clinician). None for
// the other roles.
std::optional<std::string> participant_practitioner(domain::ParticipantRole role,
                                                    const std::optional<std::string>& requested,
                                                    const access::Principal& key);

// Why the participant being added skips the waiting room, recorded in the
// audit event's detail: "consultation_practitioner" (a clinician key bound
// to the practitioner the consultation names) or "admitted_clinician" (a
// clinician key whose practitioner is admitted to the consultation already,
// `key_practitioner_admitted`); nullopt when it waits. `requested` is the
// EHR reference the request gives for the clinician ("Practitioner/3"), if
// any: a clinician key adding another practitioner than its own adds someone
// who waits.
std::optional<std::string_view> admitted_because(domain::ParticipantRole role,
                                                 const std::optional<std::string>& requested,
                                                 const access::Principal& key,
                                                 const domain::Consultation& consultation,
                                                 bool key_practitioner_admitted);

}  // namespace wasl::consultations
