#include "plugins/fhir/writes.hpp"

#include <array>

#include "plugins/fhir/resource_mapping.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

Error invalid(std::string_view resource, std::string message) {
  return Error(ErrorCode::kInvalidArgument,
               "cannot write the " + std::string(resource) + ": " + std::move(message), false);
}

json business_identifier(std::string_view key, const FhirSettings& settings) {
  return json::array(
      {{{"use", "official"}, {"system", settings.identifier_system}, {"value", std::string(key)}}});
}

json reference(std::string_view type, std::string_view id) {
  return {{"reference", std::string(type) + "/" + std::string(id)}};
}

bool is_hex_sha256(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

json coded(std::string_view system, std::string_view code, std::string_view display) {
  return json::array({{{"coding", json::array({{{"system", std::string(system)},
                                                {"code", std::string(code)},
                                                {"display", std::string(display)}}})}}});
}

Result<json> fhir_period(const sdk::AttendancePeriod& p) {
  if (p.start_ms <= 0) return invalid("Encounter", "an attendance period has no start");
  if (p.end_ms != 0 && p.end_ms < p.start_ms) {
    return invalid("Encounter", "an attendance period ends before it starts");
  }
  json period = {{"start", sdk::format_iso8601(p.start_ms)}};
  if (p.end_ms != 0) period["end"] = sdk::format_iso8601(p.end_ms);
  return period;
}

// Encounter.participant entries and the subject's period extensions of
// the request's attendance (see encounter_resource).
Status add_attendance(const sdk::EncounterRequest& request, json& encounter) {
  if (request.participants.empty()) return {};
  json participants = json::array();
  json subject_periods = json::array();
  std::size_t count = 0;
  bool practitioner_listed = false;
  for (const sdk::EncounterParticipant& p : request.participants) {
    count += p.periods.size();
    if (count > kMaxEncounterPeriods) {
      return invalid("Encounter",
                     "more than " + std::to_string(kMaxEncounterPeriods) + " attendance periods");
    }
    json type;
    json individual;
    if (p.role == "patient") {
      for (const auto& period : p.periods) {
        WASL_ASSIGN_OR_RETURN(json value, fhir_period(period));
        subject_periods.push_back(
            {{"url", std::string(kSubjectPeriodExtension)}, {"valuePeriod", std::move(value)}});
      }
      continue;
    }
    if (p.role == "clinician") {
      const bool primary =
          !p.practitioner_id.empty() && p.practitioner_id == request.practitioner_id;
      type = primary ? coded(kParticipationTypeSystem, "PPRF", "primary performer")
                     : coded(kParticipationTypeSystem, "SPRF", "secondary performer");
      if (!p.practitioner_id.empty()) {
        if (!is_fhir_id(p.practitioner_id)) {
          return invalid("Encounter", "a participant's practitioner_id is not a FHIR id");
        }
        individual = reference("Practitioner", p.practitioner_id);
      }
      practitioner_listed = practitioner_listed || (primary && !p.periods.empty());
    } else if (p.role == "interpreter") {
      type = coded(kParticipantTypeSystem, "translator", "Translator");
    } else if (p.role == "guest") {
      type = coded(kParticipationTypeSystem, "PART", "Participation");
    } else {
      return invalid("Encounter",
                     "a participant's role is not patient, clinician, interpreter or guest");
    }
    for (const auto& period : p.periods) {
      WASL_ASSIGN_OR_RETURN(json value, fhir_period(period));
      json entry = {{"type", type}, {"period", std::move(value)}};
      if (!individual.is_null()) entry["individual"] = individual;
      participants.push_back(std::move(entry));
    }
  }
  if (!practitioner_listed && !request.practitioner_id.empty()) {
    participants.insert(participants.begin(),
                        json{{"individual", reference("Practitioner", request.practitioner_id)}});
  }
  if (!participants.empty()) encounter["participant"] = std::move(participants);
  if (!subject_periods.empty()) encounter["extension"] = std::move(subject_periods);
  return {};
}

}  // namespace

bool is_appointment_status(std::string_view status) {
  static constexpr std::array<std::string_view, 10> kStatuses = {
      "proposed",  "pending", "booked",           "arrived",    "fulfilled",
      "cancelled", "noshow",  "entered-in-error", "checked-in", "waitlist"};
  for (auto s : kStatuses) {
    if (s == status) return true;
  }
  return false;
}

Result<json> encounter_resource(const sdk::EncounterRequest& request,
                                const FhirSettings& settings) {
  static constexpr std::array<std::string_view, 9> kStatuses = {
      "planned",  "arrived",   "triaged",          "in-progress", "onleave",
      "finished", "cancelled", "entered-in-error", "unknown"};
  if (request.idempotency_key.empty()) return invalid("Encounter", "no idempotency key");
  if (!is_fhir_id(request.patient_id)) return invalid("Encounter", "patient_id is not a FHIR id");
  bool known_status = false;
  for (auto s : kStatuses) known_status |= s == request.status;
  if (!known_status) return invalid("Encounter", "status is not an R4 EncounterStatus");
  if (request.encounter_class.empty()) return invalid("Encounter", "no encounter class");
  json encounter = {
      {"resourceType", "Encounter"},
      {"identifier", business_identifier(request.idempotency_key, settings)},
      {"status", request.status},
      {"class",
       {{"system", kActCodeSystem},
        {"code", request.encounter_class},
        {"display", request.encounter_class == "VR" ? "virtual" : request.encounter_class}}},
      {"subject", reference("Patient", request.patient_id)}};
  if (!request.practitioner_id.empty()) {
    if (!is_fhir_id(request.practitioner_id)) {
      return invalid("Encounter", "practitioner_id is not a FHIR id");
    }
    if (request.participants.empty()) {
      encounter["participant"] =
          json::array({{{"individual", reference("Practitioner", request.practitioner_id)}}});
    }
  }
  WASL_RETURN_IF_ERROR(add_attendance(request, encounter));
  if (!request.appointment_id.empty()) {
    if (!is_fhir_id(request.appointment_id)) {
      return invalid("Encounter", "appointment_id is not a FHIR id");
    }
    encounter["appointment"] = json::array({reference("Appointment", request.appointment_id)});
  }
  if (request.start_ms > 0 || request.end_ms > 0) {
    if (request.start_ms > 0 && request.end_ms > 0 && request.end_ms < request.start_ms) {
      return invalid("Encounter", "the period ends before it starts");
    }
    json period = json::object();
    if (request.start_ms > 0) period["start"] = sdk::format_iso8601(request.start_ms);
    if (request.end_ms > 0) period["end"] = sdk::format_iso8601(request.end_ms);
    encounter["period"] = std::move(period);
  }
  if (!settings.service_provider.empty()) {
    encounter["serviceProvider"] = reference("Organization", settings.service_provider);
  }
  return encounter;
}

Result<json> document_reference_resource(const sdk::DocumentRequest& request,
                                         const FhirSettings& settings) {
  if (request.idempotency_key.empty()) return invalid("DocumentReference", "no idempotency key");
  if (!is_fhir_id(request.patient_id)) {
    return invalid("DocumentReference", "patient_id is not a FHIR id");
  }
  if (request.url.empty() == request.data_base64.empty()) {
    return invalid("DocumentReference", "give exactly one of url and data_base64");
  }
  if (request.content_type.empty()) return invalid("DocumentReference", "no content_type");
  if (!request.sha256_hex.empty() && !is_hex_sha256(request.sha256_hex)) {
    return invalid("DocumentReference", "sha256_hex is not 64 hex digits");
  }
  if (request.size_bytes < 0) return invalid("DocumentReference", "size_bytes is negative");
  json attachment = {{"contentType", request.content_type}};
  if (!request.url.empty()) attachment["url"] = request.url;
  if (!request.data_base64.empty()) attachment["data"] = request.data_base64;
  if (request.size_bytes > 0) {
    if (request.size_bytes > 2147483647) {
      return invalid("DocumentReference", "size_bytes exceeds what Attachment.size holds");
    }
    attachment["size"] = request.size_bytes;
  }
  if (!request.title.empty()) attachment["title"] = request.title;
  if (!request.sha256_hex.empty()) {
    attachment["extension"] =
        json::array({{{"url", kSha256Extension}, {"valueString", request.sha256_hex}}});
  }
  json document = {{"resourceType", "DocumentReference"},
                   {"identifier", business_identifier(request.idempotency_key, settings)},
                   {"status", "current"},
                   {"subject", reference("Patient", request.patient_id)},
                   {"content", json::array({{{"attachment", std::move(attachment)}}})}};
  if (!request.type_code.empty()) {
    document["type"] = {
        {"coding", json::array({{{"system", kLoincSystem}, {"code", request.type_code}}})}};
  }
  if (!request.title.empty()) document["description"] = request.title;
  if (!request.encounter_id.empty()) {
    if (!is_fhir_id(request.encounter_id)) {
      return invalid("DocumentReference", "encounter_id is not a FHIR id");
    }
    document["context"] = {
        {"encounter", json::array({reference("Encounter", request.encounter_id)})}};
  }
  return document;
}

}  // namespace wasl::plugins::fhir
