// The FHIR R4 resources of the consultation's clinical record (SDK 1.10),
// built from the SDK's write requests. Each carries the business identifier
// <identifier_system>|<idempotency key> the conditional create is keyed on.
// Pure and thread-safe; kInvalidArgument naming the field for a request
// that cannot make a valid R4 resource (the message never quotes PHI).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::fhir {

inline constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";
inline constexpr std::string_view kObservationCategorySystem =
    "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr std::string_view kVitalSignsProfile =
    "http://hl7.org/fhir/StructureDefinition/vitalsigns";
inline constexpr std::string_view kBloodPressureLoinc = "85354-9";
inline constexpr std::string_view kSystolicLoinc = "8480-6";
inline constexpr std::string_view kDiastolicLoinc = "8462-4";
// LOINC 11488-4: consult note, the type of every note written.
inline constexpr std::string_view kConsultNoteLoinc = "11488-4";

// A note as a DocumentReference: identifier, status current, docStatus
// final, type LOINC 11488-4, subject, author (the practitioner), date,
// relatesTo replaces (an amendment), context.encounter, and one attachment:
// the text as text/plain; charset=utf-8 (base64), its language and title.
sdk::Result<nlohmann::json> note_document_reference(const sdk::NoteWrite& note,
                                                    const FhirSettings& settings);

// A note as a Composition: identifier, status final (amended for a version
// above 1), type LOINC 11488-4, subject, encounter, date, author (the
// practitioner, else the service_provider Organization; kInvalidArgument
// with neither), title, relatesTo replaces, one section whose narrative is
// the text (escaped XHTML, line breaks kept).
sdk::Result<nlohmann::json> note_composition(const sdk::NoteWrite& note,
                                             const FhirSettings& settings);

// A MedicationRequest: identifier, status (active or cancelled), intent
// order, medicationCodeableConcept (the facility's code and the text),
// subject, encounter, requester, authoredOn, dosageInstruction (the dose,
// route, frequency and duration as text, the patient's instructions) and
// dispenseRequest (quantity, repeats).
sdk::Result<nlohmann::json> medication_request_resource(const sdk::MedicationRequestWrite& request,
                                                        const FhirSettings& settings);

// A vital-signs Observation (the R4 vital-signs profile): identifier,
// status final, category vital-signs, code LOINC, subject, encounter,
// effectiveDateTime, performer, and valueQuantity in UCUM; blood pressure
// (85354-9) as the panel with systolic 8480-6 and diastolic 8462-4
// components and no value of its own.
sdk::Result<nlohmann::json> vital_sign_observation(const sdk::VitalSignWrite& vital,
                                                   const FhirSettings& settings);

}  // namespace wasl::plugins::fhir
