#include "hub/consultations/ehr_bookings.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "hub/domain/consultation.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/notifications/consultation_notices.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/records/provider_resource_store.hpp"
#include "hub/storage/transaction_lock.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::consultations {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

constexpr const char* kAppointmentUpdated = "appointment.updated";
constexpr const char* kCancelReason = "appointment_cancelled";
// The EHR marked the appointment a no-show (FHIR noshow, HL7 v2 SIU^S26).
constexpr const char* kNoShowReason = "no_show";
constexpr std::string_view kAppointmentPrefix = "Appointment/";

// What a booking task is about, from its payload.
struct Booking {
  std::string facility_id;
  std::string instance;
  std::string appointment_id;
  std::string inbox_id;  // the notification's inbox row; empty when none
};

Booking booking_of(const json& payload) {
  return Booking{
      sdk::string_member(payload, "facility_id"), sdk::string_member(payload, "instance"),
      sdk::string_member(payload, "appointment_id"), sdk::string_member(payload, "inbox_id")};
}

}  // namespace

EhrBookings::EhrBookings(const config::Config& config, const records::CellCipher& cipher,
                         workflow::Engine& engine, EhrOf ehr_of, const audit::AuditWriter* audit)
    : config_(config),
      cipher_(cipher),
      engine_(engine),
      ehr_of_(std::move(ehr_of)),
      audit_(audit) {}

Result<bool> EhrBookings::react(storage::Transaction& tx, const std::string& instance,
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
  const json payload = {{"facility_id", facility.id},
                        {"instance", instance},
                        {"appointment_id", appointment_id},
                        {"inbox_id", event.inbox_id}};
  const std::int64_t now = audit::now_epoch_ms();
  WASL_RETURN_IF_ERROR(jobs::JobQueue::request_task(
      tx, kEhrBookingTask, std::string(kEhrBookingTask) + "/" + facility.id + "/" + appointment_id,
      payload, now, now));
  return true;
}

Result<jobs::TaskSettlement> EhrBookings::run(const jobs::Task& task) {
  const Booking b = booking_of(task.payload);
  auto found = config_.facilities.find(b.facility_id);
  if (found == config_.facilities.end() || !found->second.ehr_bookings) {
    spdlog::info("{}: facility {} no longer takes EHR bookings; Appointment/{} is left alone",
                 b.instance, b.facility_id, b.appointment_id);
    return jobs::TaskSettlement();
  }
  const config::FacilityConfig& facility = found->second;
  if (auto binding = facility.bindings.find("ehr");
      binding == facility.bindings.end() || binding->second != b.instance) {
    spdlog::info("{}: facility {}'s ehr binding changed; Appointment/{} is left alone", b.instance,
                 b.facility_id, b.appointment_id);
    return jobs::TaskSettlement();
  }

  // The EHR's current view of the appointment, outside any transaction.
  WASL_ASSIGN_OR_RETURN(auto ehr, ehr_of_(b.instance));
  auto read = ehr->read_appointment(sdk::ResourceRef{b.appointment_id});
  std::optional<sdk::Appointment> appointment;
  if (read.ok()) {
    appointment = std::move(read).value();
  } else if (read.error().code == ErrorCode::kNotFound) {
    spdlog::info("{}: Appointment/{} is not served by the EHR; its notification is kept unmatched",
                 b.instance, b.appointment_id);
  } else {
    Error error = std::move(read).error();
    error.message = "reading the notified appointment from " + b.instance + ": " + error.message;
    return error;
  }
  return jobs::TaskSettlement(
      [this, b, &facility, appointment = std::move(appointment)](storage::Transaction& tx) {
        return settle(tx, b.instance, facility, b.inbox_id, appointment);
      });
}

void EhrBookings::settled(const jobs::Task&) { engine_.work_available(); }

Status EhrBookings::settle(storage::Transaction& tx, const std::string& instance,
                           const config::FacilityConfig& facility, const std::string& inbox_id,
                           const std::optional<sdk::Appointment>& appointment) const {
  bool took = false;
  if (appointment) {
    const std::string ref = std::string(kAppointmentPrefix) + appointment->id;
    // One booking of an appointment at a time, across processes: a task
    // taken over while its first runner still settles waits here.
    WASL_RETURN_IF_ERROR(storage::lock_key(tx, "ehr_booking\x1f" + facility.id + "\x1f" + ref));
    if (appointment->status == "booked") {
      WASL_RETURN_IF_ERROR(book(tx, instance, facility, *appointment));
      took = true;
    } else if (appointment->status == "cancelled") {
      WASL_ASSIGN_OR_RETURN(took, cancel(tx, instance, facility, ref, kCancelReason));
    } else if (appointment->status == "noshow") {
      WASL_ASSIGN_OR_RETURN(took, cancel(tx, instance, facility, ref, kNoShowReason));
    }
  }
  if (took || inbox_id.empty()) return {};
  records::InboxStore inbox(cipher_);
  return inbox.mark(tx,
                    records::InboxScope{facility.id, {instance}, records::SharedRows::kEvery, {}},
                    inbox_id, records::InboxState::kUnmatched);
}

Status EhrBookings::give_up(storage::Transaction& tx, const jobs::Task& task, const Error& error) {
  const Booking b = booking_of(task.payload);
  if (b.inbox_id.empty()) return {};
  records::InboxStore inbox(cipher_);
  return inbox.park(
      tx, records::InboxScope{b.facility_id, {b.instance}, records::SharedRows::kEvery, {}},
      b.inbox_id, b.instance, task.attempt, error.message, audit_);
}

bool booked_by_hub(const sdk::Appointment& appointment) {
  const json& identifiers =
      appointment.raw.is_object() ? appointment.raw.value("identifier", json()) : json();
  if (!identifiers.is_array()) return false;
  for (const json& identifier : identifiers) {
    if (!identifier.is_object()) continue;
    const json& value = identifier.value("value", json());
    if (value.is_string() && value.get<std::string>().rfind(kHubBookingKeyPrefix, 0) == 0) {
      return true;
    }
  }
  return false;
}

Status EhrBookings::book(storage::Transaction& tx, const std::string& instance,
                         const config::FacilityConfig& facility,
                         const sdk::Appointment& appointment) const {
  if (appointment.id.empty()) {
    return Error(ErrorCode::kInvalidArgument, instance + " answered an appointment without an id",
                 false);
  }
  const std::string ref = std::string(kAppointmentPrefix) + appointment.id;
  records::ConsultationStore consultations(cipher_);
  WASL_ASSIGN_OR_RETURN(auto existing, consultations.find_by_appointment(tx, facility.id, ref));
  if (existing) {  // booked before: nothing starts twice, but a new start time is taken
    return reschedule(tx, instance, facility, *existing, appointment);
  }
  // The hub booked this one itself: the EHR may notify it before the
  // booking request has committed its consultation, which that request
  // makes (a second one here would be refused, and the request answered
  // 409 for its own appointment).
  if (booked_by_hub(appointment)) {
    spdlog::info("{}: {} was booked by this hub; its request makes the consultation", instance,
                 ref);
    return {};
  }

  const config::FacilityEhrBookingsConfig& bookings = *facility.ehr_bookings;
  const std::int64_t now = audit::now_epoch_ms();
  WASL_ASSIGN_OR_RETURN(std::string consultation_id, sdk::random_uuid());
  domain::Consultation c;
  c.id = consultation_id;
  c.facility_id = facility.id;
  c.workflow_name = bookings.workflow;
  c.status = domain::ConsultationStatus::kScheduled;
  c.type = domain::parse_consultation_type(bookings.consultation_type)
               .value_or(domain::ConsultationType::kDoctorPatient);
  c.appointment_ref = ref;
  if (appointment.start_ms > 0) c.scheduled_at = appointment.start_ms;
  if (!appointment.patient_id.empty()) c.patient.reference = "Patient/" + appointment.patient_id;
  if (!appointment.practitioner_id.empty()) {
    c.practitioner.reference = "Practitioner/" + appointment.practitioner_id;
  }
  c.created_at = now;
  c.updated_at = now;
  // The look-up above and this insert are not atomic against a booking
  // that does not take the lock (POST /v1/consultations naming the
  // appointment): the unique index consultations_live_appointment refuses
  // the second live consultation. The transaction is then unusable
  // (PostgreSQL), so the task is tried again, retryable, and its next run
  // finds the consultation that won as booked before.
  if (auto inserted = consultations.insert(tx, c); !inserted.ok()) {
    if (inserted.error().code != ErrorCode::kAlreadyExists) return std::move(inserted).error();
    return Error(ErrorCode::kConflict,
                 ref + " got a consultation concurrently (" + inserted.error().message +
                     "); the booking runs again and finds it",
                 true);
  }
  // What the EHR booked for the facility is the facility's (its run reads
  // them: hub/workflow/resource_guard.hpp).
  for (const auto& [kind, id] :
       {std::pair<const char*, const std::string&>{"appointment", appointment.id},
        {"patient", appointment.patient_id},
        {"practitioner", appointment.practitioner_id}}) {
    if (id.empty()) continue;
    WASL_RETURN_IF_ERROR(
        records::ProviderResourceStore::record(tx, {facility.id, instance, kind, id, now}));
  }

  // The trigger POST /v1/consultations would give the workflow.
  json trigger = {{"type", bookings.consultation_type},
                  {"appointment_id", appointment.id},
                  {"source", instance}};
  if (!appointment.patient_id.empty()) trigger["patient_id"] = appointment.patient_id;
  if (!appointment.practitioner_id.empty()) {
    trigger["practitioner_id"] = appointment.practitioner_id;
  }
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
  return {};
}

Status EhrBookings::reschedule(storage::Transaction& tx, const std::string& instance,
                               const config::FacilityConfig& facility,
                               const domain::Consultation& existing,
                               const sdk::Appointment& appointment) const {
  if (appointment.start_ms <= 0 || existing.scheduled_at == appointment.start_ms) return {};
  // Only a consultation that has not begun moves: once its room is open or
  // it ended, the time it happened is what it keeps.
  if (existing.status != domain::ConsultationStatus::kScheduled) {
    spdlog::info("{}: {} moved in the EHR, but consultation {} has begun; its time is kept",
                 instance, existing.appointment_ref.value_or(""), existing.id);
    return {};
  }
  const std::int64_t now = audit::now_epoch_ms();
  WASL_RETURN_IF_ERROR(records::ConsultationStore::set_scheduled_at(tx, facility.id, existing.id,
                                                                    appointment.start_ms, now));
  WASL_RETURN_IF_ERROR(notifications::consultation_rescheduled(
      tx, config_, facility.id, existing.id, existing.scheduled_at, appointment.start_ms, now));
  if (audit_ != nullptr) {
    audit::AuditEvent event;
    event.actor = "plugin:" + instance;
    event.facility_id = facility.id;
    event.action = "consultation.reschedule";
    event.entity_type = "consultation";
    event.entity_id = existing.id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    json detail = {{"scheduled_at", domain::format_timestamp(appointment.start_ms)}};
    if (existing.scheduled_at) {
      detail["previous"] = domain::format_timestamp(*existing.scheduled_at);
    }
    event.detail = detail.dump();
    WASL_RETURN_IF_ERROR(audit_->append(tx, event));
  }
  spdlog::info("{}: consultation {} rescheduled by the EHR", instance, existing.id);
  return {};
}

Result<bool> EhrBookings::cancel(storage::Transaction& tx, const std::string& instance,
                                 const config::FacilityConfig& facility,
                                 const std::string& appointment_ref, const char* reason) const {
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
  WASL_RETURN_IF_ERROR(
      records::ConsultationStore::set_cancel_reason(tx, facility.id, existing->id, reason, now));
  WASL_RETURN_IF_ERROR(
      notifications::consultation_cancelled(tx, config_, facility.id, existing->id, reason, now));
  if (audit_ != nullptr) {
    audit::AuditEvent event;
    event.actor = "plugin:" + instance;
    event.facility_id = facility.id;
    event.action = "consultation.cancel";
    event.entity_type = "consultation";
    event.entity_id = existing->id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    json detail = {{"reason", reason}, {"appointment", appointment_ref}};
    if (run) detail["run_id"] = *run;
    event.detail = detail.dump();
    WASL_RETURN_IF_ERROR(audit_->append(tx, event));
  }
  spdlog::info("{}: {} cancelled; consultation {} cancelled", instance, appointment_ref,
               existing->id);
  return true;
}

}  // namespace wasl::consultations
