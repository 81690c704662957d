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

// Encounter: identifier, status, class (v3 ActCode, VR = virtual), subject,
// participant (the practitioner), appointment, period, serviceProvider.
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
