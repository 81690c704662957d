#include "plugins/moh/message_bundle.hpp"

#include <string>

#include "plugins/moh/fhir_ids.hpp"
#include "plugins/moh/fhir_terms.hpp"

namespace wasl::plugins::moh {

using nlohmann::json;

namespace {

std::string owned(std::string_view v) { return std::string(v); }

json coding(std::string_view system, const std::string& code) {
  return json{{"system", owned(system)}, {"code", code}};
}

json licence_identifier(std::string_view system, const std::string& value) {
  return json{{"system", owned(system)}, {"value", value}};
}

}  // namespace

const char* encounter_status(const std::string& consultation_status) {
  if (consultation_status == "scheduled") return "planned";
  if (consultation_status == "waiting_room") return "arrived";
  if (consultation_status == "in_session") return "in-progress";
  // A consultation that did not take place: "cancelled" (R4: ended before
  // it began); the outcome extension says which.
  if (consultation_status == "cancelled" || consultation_status == "no_show" ||
      consultation_status == "clinician_no_show") {
    return "cancelled";
  }
  if (consultation_status == "ended" || consultation_status == "archived" ||
      consultation_status == "billed" || consultation_status == "completed") {
    return "finished";
  }
  return "unknown";
}

json fhir_period(const PeriodPart& period, const std::string& time_zone) {
  json out = {{"start", period.start}, {"end", period.end}};
  json extensions = json::array();
  if (!period.start_hijri.empty()) {
    extensions.push_back(
        {{"url", owned(terms::kHijriStartExtension)}, {"valueString", period.start_hijri}});
  }
  if (!period.end_hijri.empty()) {
    extensions.push_back(
        {{"url", owned(terms::kHijriEndExtension)}, {"valueString", period.end_hijri}});
  }
  if (!time_zone.empty()) {
    extensions.push_back({{"url", owned(terms::kTimeZoneExtension)}, {"valueCode", time_zone}});
  }
  if (!extensions.empty()) out["extension"] = std::move(extensions);
  return out;
}

json message_bundle(const ConsultationReport& r) {
  const std::string header_id = report_uuid(r.report_id, "MessageHeader");
  const std::string encounter_id = report_uuid(r.report_id, "Encounter");
  const std::string patient_id = report_uuid(r.report_id, "Patient");
  const std::string practitioner_id = report_uuid(r.report_id, "Practitioner");
  const std::string organization_id = report_uuid(r.report_id, "Organization");
  auto urn = [](const std::string& id) { return "urn:uuid:" + id; };

  json organization = {{"resourceType", "Organization"}, {"id", organization_id}, {"active", true}};
  if (!r.facility.licence.empty()) {
    organization["identifier"] =
        json::array({licence_identifier(terms::kProviderLicenseSystem, r.facility.licence)});
  }
  organization["name"] = r.facility.name.empty() ? r.facility.id : r.facility.name;

  json patient = {{"resourceType", "Patient"}, {"id", patient_id}, {"identifier", json::array()}};
  for (const auto& [kind, value] : r.patient.identifiers) {
    patient["identifier"].push_back(
        {{"system", owned(kind == "iqama" ? terms::kIqamaSystem : terms::kNationalIdSystem)},
         {"value", value}});
  }
  if (r.patient.name_text) {
    json name = {{"use", "official"}};
    if (!r.patient.name_text->empty()) name["text"] = *r.patient.name_text;
    if (!r.patient.family_name.empty()) name["family"] = r.patient.family_name;
    if (!r.patient.given_name.empty()) name["given"] = json::array({r.patient.given_name});
    patient["name"] = json::array({std::move(name)});
  }

  json practitioner = {{"resourceType", "Practitioner"}, {"id", practitioner_id}};
  if (!r.practitioner_licence.empty()) {
    practitioner["identifier"] = json::array(
        {licence_identifier(terms::kPractitionerLicenseSystem, r.practitioner_licence)});
  }

  json type_coding = coding(terms::kConsultationTypeSystem, r.consultation_type);
  json encounter = {
      {"resourceType", "Encounter"},
      {"id", encounter_id},
      {"identifier", json::array({{{"system", owned(terms::kConsultationIdSystem)},
                                   {"value", r.consultation_id}}})},
      {"status", encounter_status(r.status)},
      {"class", {{"system", owned(terms::kActCodeSystem)}, {"code", "VR"}, {"display", "virtual"}}},
      {"type", json::array({{{"coding", json::array({type_coding})}}})},
      {"serviceType",
       {{"text", !r.service_type.empty() ? r.service_type
                 : !r.specialty.empty()  ? r.specialty
                                         : std::string("Virtual consultation")}}},
      {"subject", {{"reference", urn(patient_id)}}},
      {"participant", json::array({{{"individual", {{"reference", urn(practitioner_id)}}}}})},
      {"period", fhir_period(r.period, r.facility.time_zone)},
      {"length",
       {{"value", r.duration_seconds},
        {"unit", "s"},
        {"system", owned(terms::kUcum)},
        {"code", "s"}}},
      {"serviceProvider", {{"reference", urn(organization_id)}}},
  };
  if (!r.outcome.empty()) {
    std::string code = r.outcome;
    for (char& c : code) {
      if (c == '_') c = '-';
    }
    encounter["extension"] =
        json::array({{{"url", owned(terms::kConsultationOutcomeExtension)},
                      {"valueCoding", coding(terms::kConsultationOutcomeSystem, code)}},
                     {{"url", owned(terms::kAttendeeSecondsExtension)},
                      {"valueQuantity",
                       {{"value", r.attendee_seconds},
                        {"unit", "s"},
                        {"system", owned(terms::kUcum)},
                        {"code", "s"}}}}});
  }

  json sender = {{"reference", urn(organization_id)}};
  json header = {
      {"resourceType", "MessageHeader"},
      {"id", header_id},
      {"eventCoding",
       {{"system", owned(terms::kMessageEventSystem)},
        {"code", owned(terms::kConsultationReportEvent)},
        {"display", "Telehealth consultation report"}}},
      {"source",
       {{"name", "Wasl"}, {"endpoint", owned(terms::kSourceEndpointPrefix) + r.facility.id}}},
      {"sender", sender},
      {"focus", json::array({{{"reference", urn(encounter_id)}}})},
  };

  auto entry = [&](const std::string& id, json resource) {
    return json{{"fullUrl", urn(id)}, {"resource", std::move(resource)}};
  };
  return json{
      {"resourceType", "Bundle"},
      {"id", report_uuid(r.report_id, "Bundle")},
      {"identifier", {{"system", owned(terms::kReportIdSystem)}, {"value", r.report_id}}},
      {"type", "message"},
      {"timestamp", r.generated_at},
      {"entry",
       json::array({entry(header_id, std::move(header)), entry(encounter_id, std::move(encounter)),
                    entry(patient_id, std::move(patient)),
                    entry(practitioner_id, std::move(practitioner)),
                    entry(organization_id, std::move(organization))})},
  };
}

}  // namespace wasl::plugins::moh
