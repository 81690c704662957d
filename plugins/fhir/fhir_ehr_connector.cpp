#include "plugins/fhir/fhir_ehr_connector.hpp"

#include <utility>

#include "plugins/fhir/clinical_writes.hpp"
#include "plugins/fhir/resource_mapping.hpp"
#include "plugins/fhir/writes.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/percent_encoding.hpp"

namespace wasl::plugins::fhir {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

FhirEhrConnector::FhirEhrConnector(sdk::Host& host, FhirSettings settings)
    : host_(host), client_(host, std::move(settings)) {}

Result<sdk::PublicKeySet> FhirEhrConnector::public_keys() {
  return client_.settings().published_keys;
}

Result<sdk::PatientSummary> FhirEhrConnector::read_patient(const sdk::ResourceRef& patient) {
  WASL_ASSIGN_OR_RETURN(json resource, client_.read("Patient", patient.id));
  return to_patient(resource);
}

Result<sdk::PractitionerSummary> FhirEhrConnector::read_practitioner(
    const sdk::ResourceRef& practitioner) {
  WASL_ASSIGN_OR_RETURN(json resource, client_.read("Practitioner", practitioner.id));
  return to_practitioner(resource);
}

Result<sdk::Appointment> FhirEhrConnector::read_appointment(const sdk::ResourceRef& appointment) {
  WASL_ASSIGN_OR_RETURN(json resource, client_.read("Appointment", appointment.id));
  return to_appointment(resource);
}

Result<sdk::Coverage> FhirEhrConnector::read_coverage(const sdk::CoverageRequest& request) {
  if (!request.coverage_id.empty()) {
    WASL_ASSIGN_OR_RETURN(json resource, client_.read("Coverage", request.coverage_id));
    return to_coverage(resource);
  }
  if (!is_fhir_id(request.patient_id)) {
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": read_coverage needs a coverage id or a patient id",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(
      auto found,
      client_.search("Coverage",
                     "beneficiary=" + sdk::percent_encode("Patient/" + request.patient_id) +
                         "&status=active"));
  if (found.empty()) {
    return Error(ErrorCode::kNotFound,
                 host_.instance_name() + ": the patient has no active Coverage", false);
  }
  return to_coverage(found.front());
}

Result<sdk::Appointment> FhirEhrConnector::update_appointment_status(
    const sdk::AppointmentStatusUpdate& update) {
  if (!is_appointment_status(update.status)) {
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": '" + update.status + "' is not an R4 AppointmentStatus",
                 false);
  }
  // Read, then PUT with If-Match on the version read; on 412 (changed in
  // between) read once more and try once more.
  for (int attempt = 0;; ++attempt) {
    WASL_ASSIGN_OR_RETURN(json resource, client_.read("Appointment", update.appointment_id));
    WASL_ASSIGN_OR_RETURN(sdk::Appointment current, to_appointment(resource));
    if (current.status == update.status) return current;
    resource["status"] = update.status;
    auto written =
        client_.update_if_match("Appointment", update.appointment_id, resource, current.version_id);
    if (!written.ok()) {
      if (written.error().code == ErrorCode::kConflict && attempt == 0) continue;
      return std::move(written).error();
    }
    if (written->resource.is_object()) return to_appointment(written->resource);
    current.status = update.status;
    current.version_id = written->version_id;
    current.raw = std::move(resource);
    return current;
  }
}

Result<sdk::ResourceCreated> FhirEhrConnector::create_encounter(
    const sdk::EncounterRequest& request) {
  auto resource = encounter_resource(request, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, request.idempotency_key);
}

Result<sdk::ResourceCreated> FhirEhrConnector::attach_document(
    const sdk::DocumentRequest& request) {
  auto resource = document_reference_resource(request, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, request.idempotency_key);
}

Result<sdk::ResourceCreated> FhirEhrConnector::write_note(const sdk::NoteWrite& note) {
  auto resource = client_.settings().note_resource == NoteResource::kComposition
                      ? note_composition(note, client_.settings())
                      : note_document_reference(note, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, note.idempotency_key);
}

Result<sdk::ResourceCreated> FhirEhrConnector::write_medication_request(
    const sdk::MedicationRequestWrite& request) {
  auto resource = medication_request_resource(request, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  if (request.status != "cancelled") return create(*resource, request.idempotency_key);
  // Read the one written with this key, then PUT its status with If-Match;
  // on 412 (changed in between) once more.
  const std::string query =
      "identifier=" +
      sdk::percent_encode(client_.settings().identifier_system + "|" + request.idempotency_key);
  for (int attempt = 0;; ++attempt) {
    WASL_ASSIGN_OR_RETURN(auto found, client_.search("MedicationRequest", query));
    if (found.empty()) {
      return Error(ErrorCode::kNotFound,
                   host_.instance_name() + ": no MedicationRequest was written with this key",
                   false);
    }
    json current = std::move(found.front());
    const std::string id = sdk::string_member(current, "id");
    const std::string version =
        current.contains("meta") ? sdk::string_member(current["meta"], "versionId") : "";
    if (sdk::string_member(current, "status") == "cancelled") {
      return sdk::ResourceCreated{id, version, false, "MedicationRequest"};
    }
    current["status"] = "cancelled";
    auto written = client_.update_if_match("MedicationRequest", id, current, version);
    if (!written.ok()) {
      if (written.error().code == ErrorCode::kConflict && attempt == 0) continue;
      return std::move(written).error();
    }
    return sdk::ResourceCreated{id, written->version_id, false, "MedicationRequest"};
  }
}

Result<sdk::ResourceCreated> FhirEhrConnector::write_vital_signs(const sdk::VitalSignWrite& vital) {
  auto resource = vital_sign_observation(vital, client_.settings());
  if (!resource.ok()) return named(std::move(resource).error());
  return create(*resource, vital.idempotency_key);
}

sdk::Status FhirEhrConnector::check_fhir_version() {
  WASL_ASSIGN_OR_RETURN(json capabilities, client_.capabilities());
  const std::string version =
      capabilities.contains("fhirVersion") && capabilities["fhirVersion"].is_string()
          ? capabilities["fhirVersion"].get<std::string>()
          : std::string();
  if (sdk::string_member(capabilities, "resourceType") == "CapabilityStatement" &&
      version.rfind("4.0.", 0) == 0) {
    return {};
  }
  std::string shown = version.substr(0, 20);
  return Error(ErrorCode::kFailedPrecondition,
               host_.instance_name() + ": the server at " + client_.settings().base_url +
                   (shown.empty() ? " declares no FHIR version in its CapabilityStatement"
                                  : " speaks FHIR " + shown) +
                   "; this plugin speaks FHIR R4 (4.0.x) only",
               false);
}

Result<sdk::ResourceCreated> FhirEhrConnector::create(const json& resource,
                                                      const std::string& idempotency_key) {
  WASL_ASSIGN_OR_RETURN(auto written, client_.create_if_none_exist(
                                          resource.at("resourceType").get<std::string>(), resource,
                                          client_.settings().identifier_system, idempotency_key));
  return sdk::ResourceCreated{written.id, written.version_id, written.created,
                              resource.at("resourceType").get<std::string>()};
}

Error FhirEhrConnector::named(Error error) const {
  error.message = host_.instance_name() + ": " + error.message;
  return error;
}

}  // namespace wasl::plugins::fhir
