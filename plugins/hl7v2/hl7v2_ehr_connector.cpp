#include "plugins/hl7v2/hl7v2_ehr_connector.hpp"

#include <chrono>

#include "plugins/hl7v2/charset.hpp"
#include "plugins/hl7v2/mapping.hpp"
#include "plugins/hl7v2/mllp_client.hpp"
#include "plugins/hl7v2/oru.hpp"
#include "plugins/hl7v2/outbound.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

std::string outbound_key(const std::string& control_id) { return "outbound/" + control_id; }

}  // namespace

Hl7v2EhrConnector::Hl7v2EhrConnector(sdk::Host& host, Hl7v2Settings settings)
    : host_(host), settings_(std::move(settings)), reads_(host) {}

Result<sdk::PatientSummary> Hl7v2EhrConnector::read_patient(const sdk::ResourceRef& patient) {
  return reads_.read_patient(patient);
}

Result<sdk::PractitionerSummary> Hl7v2EhrConnector::read_practitioner(
    const sdk::ResourceRef& practitioner) {
  return reads_.read_practitioner(practitioner);
}

Result<sdk::Appointment> Hl7v2EhrConnector::read_appointment(const sdk::ResourceRef& appointment) {
  return reads_.read_appointment(appointment);
}

Result<sdk::Coverage> Hl7v2EhrConnector::read_coverage(const sdk::CoverageRequest& request) {
  return reads_.read_coverage(request);
}

Result<sdk::Appointment> Hl7v2EhrConnector::update_appointment_status(
    const sdk::AppointmentStatusUpdate& update) {
  return reads_.update_appointment_status(update);
}

Result<sdk::ResourceCreated> Hl7v2EhrConnector::create_encounter(
    const sdk::EncounterRequest& request) {
  WASL_RETURN_IF_ERROR(check_outbound("create_encounter"));
  if (request.idempotency_key.empty() || !is_resource_id(request.patient_id)) {
    return Error(ErrorCode::kInvalidArgument,
                 "create_encounter needs an idempotency_key and a patient_id", false);
  }
  WASL_ASSIGN_OR_RETURN(auto patient, known_patient(request.patient_id));
  WASL_ASSIGN_OR_RETURN(Attempt first, attempt(mdm_control_id(request.idempotency_key)));
  const MdmMessage message = encounter_mdm(request, patient, settings_, first.sent_at_ms);
  if (first.acknowledged) return sdk::ResourceCreated{message.document_number, "", false};
  return send("MDM", message.control_id, message.document_number, message.text);
}

Result<sdk::ResourceCreated> Hl7v2EhrConnector::attach_document(
    const sdk::DocumentRequest& request) {
  WASL_RETURN_IF_ERROR(check_outbound("attach_document"));
  if (request.idempotency_key.empty() || !is_resource_id(request.patient_id)) {
    return Error(ErrorCode::kInvalidArgument,
                 "attach_document needs an idempotency_key and a patient_id", false);
  }
  if (request.url.empty() && request.data_base64.empty()) {
    return Error(ErrorCode::kInvalidArgument, "attach_document needs a url or data_base64", false);
  }
  WASL_ASSIGN_OR_RETURN(auto patient, known_patient(request.patient_id));
  WASL_ASSIGN_OR_RETURN(Attempt first, attempt(mdm_control_id(request.idempotency_key)));
  WASL_ASSIGN_OR_RETURN(MdmMessage message,
                        document_mdm(request, patient, settings_, first.sent_at_ms));
  if (first.acknowledged) return sdk::ResourceCreated{message.document_number, "", false};
  return send("MDM", message.control_id, message.document_number, message.text);
}

Result<sdk::ResourceCreated> Hl7v2EhrConnector::write_note(const sdk::NoteWrite& note) {
  if (note.text.empty()) {
    return Error(ErrorCode::kInvalidArgument, "write_note needs the note's text", false);
  }
  sdk::DocumentRequest document;
  document.idempotency_key = note.idempotency_key;
  document.patient_id = note.patient_id;
  document.encounter_id = note.encounter_id;
  document.type_code = "11488-4";
  document.title = note.title;
  document.content_type = "text/plain";
  document.data_base64 = sdk::base64_encode(note.text);
  auto sent = attach_document(document);
  if (sent.ok()) sent->resource_type = "MDM^T02";
  return sent;
}

Result<sdk::ResourceCreated> Hl7v2EhrConnector::write_medication_request(
    const sdk::MedicationRequestWrite&) {
  return Error(ErrorCode::kUnimplemented,
               std::string(sdk::EhrConnector::kWriteMedicationRequest) +
                   " is not supported by this EHR: the HL7 v2 plugin sends no prescriptions "
                   "(no RDE^O11); " +
                   host_.instance_name() + " keeps them in the hub only",
               false);
}

Result<sdk::ResourceCreated> Hl7v2EhrConnector::write_vital_signs(
    const sdk::VitalSignWrite& vital) {
  WASL_RETURN_IF_ERROR(check_outbound("write_vital_signs"));
  if (vital.idempotency_key.empty() || !is_resource_id(vital.patient_id)) {
    return Error(ErrorCode::kInvalidArgument,
                 "write_vital_signs needs an idempotency_key and a patient_id", false);
  }
  WASL_RETURN_IF_ERROR(check_vital_sign(vital));
  WASL_ASSIGN_OR_RETURN(auto patient, known_patient(vital.patient_id));
  WASL_ASSIGN_OR_RETURN(Attempt first, attempt(oru_control_id(vital.idempotency_key)));
  WASL_ASSIGN_OR_RETURN(OruMessage message,
                        vital_sign_oru(vital, patient, settings_, first.sent_at_ms));
  Result<sdk::ResourceCreated> written =
      first.acknowledged
          ? Result<sdk::ResourceCreated>(sdk::ResourceCreated{message.observation_id, "", false})
          : send("ORU", message.control_id, message.observation_id, message.text);
  if (written.ok()) written->resource_type = "ORU^R01";
  return written;
}

Result<std::optional<sdk::PatientSummary>> Hl7v2EhrConnector::known_patient(const std::string& id) {
  auto patient = reads_.read_patient(sdk::ResourceRef{id});
  if (patient.ok()) return std::optional<sdk::PatientSummary>(std::move(patient).value());
  if (patient.error().code == ErrorCode::kNotFound) return std::optional<sdk::PatientSummary>();
  return std::move(patient).error();
}

sdk::Status Hl7v2EhrConnector::check_outbound(std::string_view method) const {
  if (!settings_.outbound.host.empty()) return {};
  return Error(ErrorCode::kFailedPrecondition,
               std::string(method) + ": writing back to the HIS is off for " +
                   host_.instance_name() + " (settings outbound.host is empty)",
               false);
}

Result<Hl7v2EhrConnector::Attempt> Hl7v2EhrConnector::attempt(const std::string& control_id) {
  WASL_ASSIGN_OR_RETURN(std::optional<json> stored, host_.state_get(outbound_key(control_id)));
  if (stored && stored->is_object() && stored->contains("sent_at_ms")) {
    return Attempt{stored->value("sent_at_ms", std::int64_t{0}),
                   stored->value("acknowledged", false)};
  }
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch()).count();
  // Whole seconds: MSH-7 carries no more, and the retry must be the same bytes.
  const Attempt first{now_ms - now_ms % 1000, false};
  WASL_RETURN_IF_ERROR(host_.state_put(
      outbound_key(control_id), {{"sent_at_ms", first.sent_at_ms}, {"acknowledged", false}}));
  return first;
}

Result<sdk::ResourceCreated> Hl7v2EhrConnector::send(std::string_view kind,
                                                     const std::string& control_id,
                                                     const std::string& resource_id,
                                                     const std::string& text) {
  const std::string what = std::string(kind) + " message " + control_id;
  WASL_ASSIGN_OR_RETURN(std::string bytes,
                        ::wasl::hl7v2::from_utf8(text, settings_.outbound.charset));
  WASL_ASSIGN_OR_RETURN(std::string answer,
                        mllp_exchange(MllpEndpoint{settings_.outbound.host, settings_.outbound.port,
                                                   settings_.outbound.timeout},
                                      bytes));
  auto decoded = ::wasl::hl7v2::to_utf8(answer, settings_.outbound.charset);
  if (!decoded.ok()) {
    return Error(ErrorCode::kUnavailable,
                 "the HIS's answer to " + what + " cannot be decoded: " + decoded.error().message,
                 true);
  }
  WASL_ASSIGN_OR_RETURN(sdk::ResourceCreated created,
                        read_outbound_ack(decoded.value(), kind, control_id, resource_id));
  auto stored = host_.state_get(outbound_key(control_id));
  json record = stored.ok() && stored.value() ? *stored.value() : json::object();
  record["acknowledged"] = true;
  if (auto status = host_.state_put(outbound_key(control_id), record); !status.ok()) {
    // The HIS has the document or observation; a retry sends the same
    // message, which it acknowledges again under the same id.
    host_.log(sdk::LogLevel::kWarn, "the acknowledgement of " + what +
                                        " could not be recorded: " + status.error().message);
  }
  return created;
}

}  // namespace wasl::plugins::hl7v2
