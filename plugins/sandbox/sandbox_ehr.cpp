#include "plugins/sandbox/sandbox_ehr.hpp"

#include <string>
#include <utility>

#include "plugins/sandbox/demo_records.hpp"
#include "plugins/sandbox/epoch_ms.hpp"
#include "plugins/sandbox/recorded_answer.hpp"

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Result<std::string> required_id(const std::string& id, std::string_view what) {
  if (!id.empty()) return id;
  return Error(ErrorCode::kInvalidArgument, "sandbox: " + std::string(what) + " id is empty",
               false);
}

sdk::ResourceCreated created(std::string prefix, std::int64_t sequence) {
  sdk::ResourceCreated r;
  r.id = std::move(prefix) + std::to_string(sequence);
  r.version_id = "1";
  r.created = true;
  return r;
}

}  // namespace

SandboxEhr::SandboxEhr(sdk::Host& host, SandboxSettings settings,
                       std::unique_ptr<StateFile> state)
    : host_(host), settings_(std::move(settings)), state_(std::move(state)) {}

Result<sdk::PatientSummary> SandboxEhr::read_patient(const sdk::ResourceRef& patient) {
  WASL_ASSIGN_OR_RETURN(auto id, required_id(patient.id, "patient"));
  return demo_patient(id);
}

Result<sdk::PractitionerSummary> SandboxEhr::read_practitioner(
    const sdk::ResourceRef& practitioner) {
  WASL_ASSIGN_OR_RETURN(auto id, required_id(practitioner.id, "practitioner"));
  return demo_practitioner(id);
}

Result<sdk::Appointment> SandboxEhr::read_appointment(const sdk::ResourceRef& appointment) {
  WASL_ASSIGN_OR_RETURN(auto id, required_id(appointment.id, "appointment"));
  WASL_ASSIGN_OR_RETURN(AppointmentRow row, state_->appointment(id, epoch_ms(host_)));
  return appointment_of(row);
}

sdk::Appointment SandboxEhr::appointment_of(const AppointmentRow& row) const {
  return demo_appointment(row.id,
                          row.first_seen_ms + settings_.appointment_start_offset_seconds * 1000,
                          row.status, row.version);
}

Result<sdk::Coverage> SandboxEhr::read_coverage(const sdk::CoverageRequest& request) {
  if (!settings_.coverage) {
    return Error(ErrorCode::kNotFound,
                 "sandbox: the patient has no active coverage (coverage: false)", false);
  }
  return demo_coverage(request.patient_id);
}

Result<sdk::Appointment> SandboxEhr::update_appointment_status(
    const sdk::AppointmentStatusUpdate& update) {
  constexpr std::string_view kMethod = "update_appointment_status";
  WASL_RETURN_IF_ERROR(require_idempotency_key(update.idempotency_key, kMethod));
  WASL_ASSIGN_OR_RETURN(auto id, required_id(update.appointment_id, "appointment"));
  if (update.status.empty()) {
    return Error(ErrorCode::kInvalidArgument, "sandbox: update_appointment_status: status is empty",
                 false);
  }
  std::int64_t now = epoch_ms(host_);
  auto record = state_->record_effect(kMethod, update.idempotency_key,
                                      [&](EffectScope& scope) -> Result<json> {
    WASL_ASSIGN_OR_RETURN(AppointmentRow row,
                          scope.set_appointment_status(id, update.status, now));
    return json(appointment_of(row));
  });
  return recorded_answer<sdk::Appointment>(std::move(record), settings_.fail_first_attempt,
                                           kMethod);
}

Result<sdk::ResourceCreated> SandboxEhr::create_encounter(const sdk::EncounterRequest& request) {
  return create_resource("create_encounter", request.idempotency_key, "sandbox-encounter-");
}

Result<sdk::ResourceCreated> SandboxEhr::attach_document(const sdk::DocumentRequest& request) {
  return create_resource("attach_document", request.idempotency_key, "sandbox-document-");
}

Result<sdk::ResourceCreated> SandboxEhr::create_resource(std::string_view method,
                                                         const std::string& key,
                                                         std::string_view id_prefix) {
  WASL_RETURN_IF_ERROR(require_idempotency_key(key, method));
  auto record = state_->record_effect(method, key, [&](EffectScope& scope) -> Result<json> {
    return json(created(std::string(id_prefix), scope.sequence()));
  });
  return recorded_answer<sdk::ResourceCreated>(std::move(record), settings_.fail_first_attempt,
                                               method);
}

}  // namespace wasl::plugins::sandbox
