// The NPHIES vocabulary the plugin writes and reads: message events
// (ksa-message-events), nphies-fs profiles, licence and identifier systems,
// code systems and extensions, as in CHI's Implementation Guide v2.7 and its
// sample messages (../shared/data/nphies/).
#pragma once

#include <string>
#include <string_view>

namespace wasl::plugins::nphies::vocabulary {

inline constexpr std::string_view kEvents =
    "http://nphies.sa/terminology/CodeSystem/ksa-message-events";
inline constexpr std::string_view kProfileBase =
    "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/";

// "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/<name>|<version>";
// `version` is settings profile_version ("0.3.0" or "1.0.0").
inline std::string profile(std::string_view name, std::string_view version) {
  return std::string(kProfileBase) + std::string(name) + "|" + std::string(version);
}
// An extension URL: "…/StructureDefinition/extension-<name>".
inline std::string extension(std::string_view name) {
  return std::string(kProfileBase) + "extension-" + std::string(name);
}

inline constexpr std::string_view kProviderLicense = "http://nphies.sa/license/provider-license";
inline constexpr std::string_view kPayerLicense = "http://nphies.sa/license/payer-license";
inline constexpr std::string_view kPractitionerLicense =
    "http://nphies.sa/license/practitioner-license";
inline constexpr std::string_view kNphiesLicense = "http://nphies.sa/license/nphies";

inline constexpr std::string_view kNationalId = "http://nphies.sa/identifier/nationalid";
inline constexpr std::string_view kIqama = "http://nphies.sa/identifier/iqama";
inline constexpr std::string_view kPassport = "http://nphies.sa/identifier/passportnumber";
inline constexpr std::string_view kBorderNumber = "http://nphies.sa/identifier/bordernumber";

inline constexpr std::string_view kV20203 = "http://terminology.hl7.org/CodeSystem/v2-0203";
inline constexpr std::string_view kKsaGender =
    "http://nphies.sa/terminology/CodeSystem/ksa-administrative-gender";
inline constexpr std::string_view kOrganizationType =
    "http://nphies.sa/terminology/CodeSystem/organization-type";
inline constexpr std::string_view kCoverageType =
    "http://nphies.sa/terminology/CodeSystem/coverage-type";
inline constexpr std::string_view kSubscriberRelationship =
    "http://terminology.hl7.org/CodeSystem/subscriber-relationship";
inline constexpr std::string_view kProcessPriority =
    "http://terminology.hl7.org/CodeSystem/processpriority";
inline constexpr std::string_view kClaimType = "http://terminology.hl7.org/CodeSystem/claim-type";
inline constexpr std::string_view kClaimSubtype =
    "http://nphies.sa/terminology/CodeSystem/claim-subtype";
inline constexpr std::string_view kPayeeType = "http://terminology.hl7.org/CodeSystem/payeetype";
inline constexpr std::string_view kCareTeamRole =
    "http://terminology.hl7.org/CodeSystem/claimcareteamrole";
inline constexpr std::string_view kPracticeCodes =
    "http://nphies.sa/terminology/CodeSystem/practice-codes";
inline constexpr std::string_view kDiagnosisType =
    "http://nphies.sa/terminology/CodeSystem/diagnosis-type";
inline constexpr std::string_view kServices = "http://nphies.sa/terminology/CodeSystem/services";
inline constexpr std::string_view kActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr std::string_view kServiceType =
    "http://nphies.sa/terminology/CodeSystem/service-type";
inline constexpr std::string_view kTaskCode = "http://nphies.sa/terminology/CodeSystem/task-code";
inline constexpr std::string_view kTaskInputType =
    "http://nphies.sa/terminology/CodeSystem/task-input-type";
inline constexpr std::string_view kTaskOutputType =
    "http://nphies.sa/terminology/CodeSystem/task-output-type";
inline constexpr std::string_view kTaskReasonCode =
    "http://nphies.sa/terminology/CodeSystem/task-reason-code";
inline constexpr std::string_view kAdjudication =
    "http://terminology.hl7.org/CodeSystem/adjudication";
inline constexpr std::string_view kKsaAdjudication =
    "http://nphies.sa/terminology/CodeSystem/ksa-adjudication";
inline constexpr std::string_view kAdjudicationOutcome =
    "http://nphies.sa/terminology/CodeSystem/adjudication-outcome";
inline constexpr std::string_view kAdjudicationError =
    "http://nphies.sa/terminology/CodeSystem/adjudication-error";
inline constexpr std::string_view kSiteEligibility =
    "http://nphies.sa/terminology/CodeSystem/siteEligibility";

inline constexpr std::string_view kPaymentStatus =
    "http://terminology.hl7.org/CodeSystem/paymentstatus";

inline constexpr std::string_view kCurrency = "SAR";

}  // namespace wasl::plugins::nphies::vocabulary
