#include "plugins/fhir/fhir_ehr_connector.hpp"

#include <utility>

#include "plugins/fhir/resource_mapping.hpp"

namespace wasl::plugins::fhir {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

FhirEhrConnector::FhirEhrConnector(sdk::Host& host, FhirSettings settings)
    : host_(host), client_(host, std::move(settings)) {}

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
      auto found, client_.search("Coverage", "beneficiary=" + url_encode("Patient/" + request.patient_id) +
                                                 "&status=active"));
  if (found.empty()) {
    return Error(ErrorCode::kNotFound,
                 host_.instance_name() + ": the patient has no active Coverage", false);
  }
  return to_coverage(found.front());
}

Error FhirEhrConnector::unimplemented(std::string_view method) const {
  return Error(ErrorCode::kUnimplemented,
               host_.instance_name() + ": " + std::string(method) +
                   " is not implemented by the FHIR plugin yet",
               false);
}

Result<sdk::Appointment> FhirEhrConnector::update_appointment_status(
    const sdk::AppointmentStatusUpdate&) {
  return unimplemented("update_appointment_status");
}

Result<sdk::ResourceCreated> FhirEhrConnector::create_encounter(const sdk::EncounterRequest&) {
  return unimplemented("create_encounter");
}

Result<sdk::ResourceCreated> FhirEhrConnector::attach_document(const sdk::DocumentRequest&) {
  return unimplemented("attach_document");
}

}  // namespace wasl::plugins::fhir
