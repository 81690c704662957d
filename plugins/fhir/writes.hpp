// The FHIR R4 resources the plugin writes, built from the SDK's requests.
// Each carries the business identifier <identifier_system>|<idempotency key>
// the conditional create is keyed on. Pure and thread-safe; kInvalidArgument
// naming the field for a request that cannot make a valid R4 resource.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::fhir {

inline constexpr std::string_view kActCodeSystem =
    "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view kLoincSystem = "http://loinc.org";
// The extension on DocumentReference.content.attachment carrying the
// content's SHA-256 in hex (Attachment.hash is SHA-1 in R4).
inline constexpr std::string_view kSha256Extension = "urn:wasl:fhir:attachment-sha256";

// The extension on Encounter carrying one period the patient (the
// Encounter's subject) was in the session: R4's Encounter.participant.
// individual cannot be a Patient, so the subject's presence is written
// beside it, one valuePeriod per period.
inline constexpr std::string_view kSubjectPeriodExtension =
    "urn:wasl:fhir:encounter-subject-period";
// Participant types: v3 ParticipationType (primary and secondary performer,
// participation) and HL7 participant-type (translator).
inline constexpr std::string_view kParticipationTypeSystem =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
inline constexpr std::string_view kParticipantTypeSystem =
    "http://terminology.hl7.org/CodeSystem/participant-type";
// The most attendance periods one Encounter carries (all participants).
inline constexpr std::size_t kMaxEncounterPeriods = 500;

// Encounter: identifier, status, class (v3 ActCode, VR = virtual), subject,
// participant, appointment, period, serviceProvider, and the patient's
// periods (kSubjectPeriodExtension).
// participant: with no attendance (request.participants empty), the
// practitioner alone. With attendance, one entry per period of each
// participant, its `period` (UTC instants; no end while still open):
//   clinician    type PPRF (the request's practitioner) or SPRF (another),
//                individual Practitioner/<practitioner_id> when known;
//   interpreter  type participant-type#translator, no individual;
//   guest        type PART, no individual;
//   patient      not a participant: kSubjectPeriodExtension instead.
// The request's practitioner is listed without a period as well when the
// attendance shows none of its periods. kInvalidArgument for an unknown
// role, a period ending before it starts or more than
// kMaxEncounterPeriods periods.
sdk::Result<nlohmann::json> encounter_resource(const sdk::EncounterRequest& request,
                                               const FhirSettings& settings);

// DocumentReference: identifier, status current, type (LOINC), subject,
// context.encounter, description (title), one attachment: the content type,
// and the URL (a recording the hub archived) or inline data (notes), size,
// title and the SHA-256 extension.
sdk::Result<nlohmann::json> document_reference_resource(const sdk::DocumentRequest& request,
                                                        const FhirSettings& settings);

// Whether `status` is an R4 AppointmentStatus code.
bool is_appointment_status(std::string_view status);

}  // namespace wasl::plugins::fhir
