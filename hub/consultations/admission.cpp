#include "hub/consultations/admission.hpp"

namespace wasl::consultations {

std::optional<std::string> participant_practitioner(domain::ParticipantRole role,
                                                    const std::optional<std::string>& requested,
                                                    const access::Principal& key) {
  if (!domain::is_clinician(role)) return std::nullopt;
  if (requested) return requested;
  if (key.role == access::Role::kClinician) return key.practitioner;
  return std::nullopt;
}

std::optional<std::string_view> admitted_because(domain::ParticipantRole role,
                                                 const std::optional<std::string>& requested,
                                                 const access::Principal& key,
                                                 const domain::Consultation& consultation,
                                                 bool key_practitioner_admitted) {
  if (!domain::is_clinician(role)) return std::nullopt;
  if (key.role != access::Role::kClinician || !key.practitioner) return std::nullopt;
  if (requested && *requested != *key.practitioner) return std::nullopt;
  if (consultation.practitioner.reference &&
      *consultation.practitioner.reference == *key.practitioner) {
    return "consultation_practitioner";
  }
  if (key_practitioner_admitted) return "admitted_clinician";
  return std::nullopt;
}

}  // namespace wasl::consultations
