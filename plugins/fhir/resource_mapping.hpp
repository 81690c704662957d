// Maps FHIR R4 resources to the SDK's EHR summaries. The whole resource
// travels in `raw` unchanged (every name in every language, extensions
// included: Arabic text round-trips byte for byte); the summary fields pick:
// - names: the first `official` HumanName, else the first `usual`, else the
//   first; given names joined by a space, or its `text` when it has no parts;
// - gender: Patient.gender, else the KSA administrative-gender extension on
//   Patient.gender (`_gender.extension`), mapped to male/female/other/unknown;
// - phone: the first telecom with system phone (preferring use mobile);
// - references: the id of "Type/id" (absolute URLs included).
// Pure and thread-safe. kInvalidArgument for a resource of another type.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::fhir {

inline constexpr std::string_view kKsaGenderExtension =
    "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/extension-ksa-administrative-gender";

sdk::Result<sdk::PatientSummary> to_patient(const nlohmann::json& patient);
sdk::Result<sdk::PractitionerSummary> to_practitioner(const nlohmann::json& practitioner);
sdk::Result<sdk::Appointment> to_appointment(const nlohmann::json& appointment);
sdk::Result<sdk::Coverage> to_coverage(const nlohmann::json& coverage);

// A FHIR date, dateTime or instant ("2024-05-01", "2024-05-01T10:20:30+03:00",
// fractions allowed) as Unix milliseconds (a date or a time without zone as
// UTC); std::nullopt when it is none of them. FHIR instants the plugin writes
// are sdk::format_iso8601's ("2024-05-01T10:20:30.000Z").
std::optional<std::int64_t> parse_fhir_time(std::string_view text);

// The id in a reference to `type` ("Patient/7", "https://x/fhir/Patient/7",
// "Patient/7/_history/2"), or empty when it names another type.
std::string reference_id(const nlohmann::json& reference, std::string_view type);

}  // namespace wasl::plugins::fhir
