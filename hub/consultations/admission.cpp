#include "hub/consultations/admission.hpp"

namespace wasl::consultations {

std::optional<std::string_view> admitted_because(domain::ParticipantRole role,
                                                 const std::optional<std::string>& practitioner,
                                                 access::Role key_role,
                                                 const domain::Consultation& consultation) {
  if (!domain::is_clinician(role)) return std::nullopt;
  if (key_role == access::Role::kClinician) return "clinician_key";
  if (practitioner && consultation.practitioner.reference &&
      *practitioner == *consultation.practitioner.reference) {
    return "consultation_practitioner";
  }
  return std::nullopt;
}

}  // namespace wasl::consultations
