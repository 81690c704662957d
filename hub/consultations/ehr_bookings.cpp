#include "hub/consultations/ehr_bookings.hpp"

#include <Poco/Exception.h>
#include <Poco/UUIDGenerator.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "hub/domain/consultation.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/storage/savepoint.hpp"

namespace wasl::consultations {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

constexpr const char* kAppointmentUpdated = "appointment.updated";
constexpr const char* kCancelReason = "appointment_cancelled";
constexpr std::string_view kAppointmentPrefix = "Appointment/";

std::string text(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::string> new_consultation_id() {
  try {
    return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kInternal, "the random generator failed: " + e.displayText(), false);
  }
}

}  // namespace

EhrBookings::EhrBookings(const config::Config& config, const records::CellCipher& cipher,
                         workflow::Engine& engine,
                         std::shared_ptr<workflow::CapabilityInvoker> invoker,
                         const audit::AuditWriter* audit)
    : config_(config),
      cipher_(cipher),
      engine_(engine),
      invoker_(std::move(invoker)),
      audit_(audit) {}

Result<bool> EhrBookings::act(storage::Transaction& tx, const std::string& instance,
                              const workflow::IncomingEvent& event) const {
  if (event.type != kAppointmentUpdated || instance.rfind("ehr.", 0) != 0) return false;
  auto found = config_.facilities.find(event.facility_id);
  if (found == config_.facilities.end() || !found->second.ehr_bookings) return false;
  const config::FacilityConfig& facility = found->second;
  auto binding = facility.bindings.find("ehr");
  if (binding == facility.bindings.end() || binding->second != instance) return false;
  if (event.correlation.rfind(kAppointmentPrefix, 0) != 0 ||
      event.correlation.size() == kAppointmentPrefix.size()) {
    return false;
  }
  const std::string appointment_id = event.correlation.substr(kAppointmentPrefix.size());

  // The EHR's current view of the appointment, through the facility's binding.
  auto read = invoker_->invoke(facility.id, "ehr.read_appointment", json{{"id", appointment_id}},
                               "ehr-booking/" + event.dedupe_key);
  if (!read.ok()) {
    if (read.error().code == ErrorCode::kNotFound) {
      spdlog::info(
          "{}: Appointment/{} is not served by the EHR; its notification is kept "
          "unmatched",
          instance, appointment_id);
      return false;
    }
    Error error = std::move(read).error();
    error.message = "reading the notified appointment from " + instance + ": " + error.message;
    return error;
  }
  const json appointment = *read;
  const std::string status = text(appointment, "status");
  if (status == "booked") {
    return storage::under_savepoint(tx, "ehr_booking",
                           [&] { return book(tx, instance, facility, appointment); });
  }
  if (status == "cancelled") {
    return storage::under_savepoint(tx, "ehr_booking",
                           [&] { return cancel(tx, instance, facility, event.correlation); });
  }
  return false;
}

Result<bool> EhrBookings::book(storage::Transaction& tx, const std::string& instance,
                               const config::FacilityConfig& facility,
                               const json& appointment) const {
  const std::string id = text(appointment, "id");
  if (id.empty()) {
    return Error(ErrorCode::kInvalidArgument, instance + " answered an appointment without an id",
                 false);
  }
  const std::string ref = std::string(kAppointmentPrefix) + id;
  records::ConsultationStore consultations(cipher_);
  WASL_ASSIGN_OR_RETURN(auto existing, consultations.find_by_appointment(tx, facility.id, ref));
  if (existing) return true;  // booked before: nothing starts twice

  const config::FacilityEhrBookingsConfig& bookings = *facility.ehr_bookings;
  const std::int64_t now = audit::now_epoch_ms();
  WASL_ASSIGN_OR_RETURN(std::string consultation_id, new_consultation_id());
  domain::Consultation c;
  c.id = consultation_id;
  c.facility_id = facility.id;
  c.workflow_name = bookings.workflow;
  c.status = domain::ConsultationStatus::kScheduled;
  c.type = domain::parse_consultation_type(bookings.consultation_type)
               .value_or(domain::ConsultationType::kDoctorPatient);
  c.appointment_ref = ref;
  const std::int64_t start_ms = appointment.value("start_ms", std::int64_t{0});
  if (start_ms > 0) c.scheduled_at = start_ms;
  const std::string patient = text(appointment, "patient_id");
  const std::string practitioner = text(appointment, "practitioner_id");
  if (!patient.empty()) c.patient.reference = "Patient/" + patient;
  if (!practitioner.empty()) c.practitioner.reference = "Practitioner/" + practitioner;
  c.created_at = now;
  c.updated_at = now;
  WASL_RETURN_IF_ERROR(consultations.insert(tx, c));

  // The trigger POST /v1/consultations would give the workflow.
  json trigger = {
      {"type", bookings.consultation_type}, {"appointment_id", id}, {"source", instance}};
  if (!patient.empty()) trigger["patient_id"] = patient;
  if (!practitioner.empty()) trigger["practitioner_id"] = practitioner;
  if (c.scheduled_at) trigger["scheduled_at"] = domain::format_timestamp(*c.scheduled_at);
  workflow::StartRunRequest start;
  start.workflow = bookings.workflow;
  start.facility_id = facility.id;
  start.consultation_id = c.id;
  start.trigger = std::move(trigger);
  WASL_ASSIGN_OR_RETURN(std::string run, engine_.start_run(tx, start));
  WASL_ASSIGN_OR_RETURN(std::int64_t version, engine_.run_workflow_version(tx, run));
  WASL_RETURN_IF_ERROR(records::ConsultationStore::set_workflow(tx, facility.id, c.id,
                                                                bookings.workflow, version, now));
  if (audit_ != nullptr) {
    audit::AuditEvent event;
    event.actor = "plugin:" + instance;
    event.facility_id = facility.id;
    event.action = "consultation.create";
    event.entity_type = "consultation";
    event.entity_id = c.id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    event.detail = json{
        {"workflow", bookings.workflow},
        {"version", version},
        {"run_id", run},
        {"type", bookings.consultation_type},
        {"appointment",
         ref}}.dump();
    WASL_RETURN_IF_ERROR(audit_->append(tx, event));
  }
  spdlog::info("{}: {} booked; consultation {} started on workflow {}", instance, ref, c.id,
               bookings.workflow);
  return true;
}

Result<bool> EhrBookings::cancel(storage::Transaction& tx, const std::string& instance,
                                 const config::FacilityConfig& facility,
                                 const std::string& appointment_ref) const {
  records::ConsultationStore consultations(cipher_);
  WASL_ASSIGN_OR_RETURN(auto existing,
                        consultations.find_by_appointment(tx, facility.id, appointment_ref));
  if (!existing) return false;  // nothing booked: kept unmatched
  if (domain::is_terminal(existing->status)) return true;
  WASL_ASSIGN_OR_RETURN(auto run, engine_.consultation_run(tx, facility.id, existing->id));
  if (run) {
    Status cancelled = engine_.cancel(tx, *run);
    if (!cancelled.ok() && cancelled.error().code != ErrorCode::kFailedPrecondition &&
        cancelled.error().code != ErrorCode::kNotFound) {
      return std::move(cancelled).error();
    }
  }
  const std::int64_t now = audit::now_epoch_ms();
  WASL_RETURN_IF_ERROR(records::ConsultationStore::update_status(
      tx, facility.id, existing->id, domain::ConsultationStatus::kCancelled, now, existing->status,
      now));
  WASL_RETURN_IF_ERROR(records::ConsultationStore::set_cancel_reason(tx, facility.id, existing->id,
                                                                     kCancelReason, now));
  if (audit_ != nullptr) {
    audit::AuditEvent event;
    event.actor = "plugin:" + instance;
    event.facility_id = facility.id;
    event.action = "consultation.cancel";
    event.entity_type = "consultation";
    event.entity_id = existing->id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    json detail = {{"reason", kCancelReason}, {"appointment", appointment_ref}};
    if (run) detail["run_id"] = *run;
    event.detail = detail.dump();
    WASL_RETURN_IF_ERROR(audit_->append(tx, event));
  }
  spdlog::info("{}: {} cancelled; consultation {} cancelled", instance, appointment_ref,
               existing->id);
  return true;
}

}  // namespace wasl::consultations
