// The URIs and codes of Wasl's MOH reporting proposal: those Wasl defines
// (urn:wasl:…; README.md lists them) and the national ones it reuses
// (NPHIES identifier systems, HL7 v3 ActCode, UCUM).
#pragma once

#include <string_view>

namespace wasl::plugins::moh::terms {

// Wasl-defined.
inline constexpr std::string_view kReportIdSystem = "urn:wasl:report-id";
inline constexpr std::string_view kConsultationIdSystem = "urn:wasl:consultation-id";
inline constexpr std::string_view kMessageEventSystem =
    "urn:wasl:fhir:CodeSystem:moh-message-event";
inline constexpr std::string_view kConsultationReportEvent = "telehealth-consultation-report";
inline constexpr std::string_view kMeasure = "urn:wasl:fhir:Measure:telehealth-activity";
inline constexpr std::string_view kMeasureGroupSystem =
    "urn:wasl:fhir:CodeSystem:telehealth-measure-group";
inline constexpr std::string_view kStratifierSystem =
    "urn:wasl:fhir:CodeSystem:telehealth-stratifier";
inline constexpr std::string_view kCancelReasonSystem = "urn:wasl:fhir:CodeSystem:cancel-reason";
inline constexpr std::string_view kConsultationTypeSystem =
    "urn:wasl:fhir:CodeSystem:consultation-type";
inline constexpr std::string_view kHijriStartExtension =
    "urn:wasl:fhir:StructureDefinition:hijri-start";
inline constexpr std::string_view kHijriEndExtension =
    "urn:wasl:fhir:StructureDefinition:hijri-end";
inline constexpr std::string_view kTimeZoneExtension =
    "urn:wasl:fhir:StructureDefinition:time-zone";
inline constexpr std::string_view kSourceEndpointPrefix = "urn:wasl:facility:";
// What took place of a consultation: held, no-show, clinician-no-show,
// not-held (kConsultationOutcomeSystem), and its attendee seconds.
inline constexpr std::string_view kConsultationOutcomeExtension =
    "urn:wasl:fhir:StructureDefinition:consultation-outcome";
inline constexpr std::string_view kConsultationOutcomeSystem =
    "urn:wasl:fhir:CodeSystem:consultation-outcome";
inline constexpr std::string_view kAttendeeSecondsExtension =
    "urn:wasl:fhir:StructureDefinition:attendee-seconds";

// National identifier systems (NPHIES).
inline constexpr std::string_view kNationalIdSystem = "http://nphies.sa/identifier/nationalid";
inline constexpr std::string_view kIqamaSystem = "http://nphies.sa/identifier/iqama";
inline constexpr std::string_view kPractitionerLicenseSystem =
    "http://nphies.sa/license/practitioner-license";
inline constexpr std::string_view kProviderLicenseSystem =
    "http://nphies.sa/license/provider-license";

// HL7 and UCUM.
inline constexpr std::string_view kActCodeSystem =
    "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";

}  // namespace wasl::plugins::moh::terms
