// EhrBookings: consultations started and cancelled by a facility's EHR. The
// EHR's Subscription notifications reach /v1/webhooks/ehr.<label> and become
// "appointment.updated" events (plugins/fhir).
//
// react() is the reaction to those events (HubActions::react): the
// dispatcher calls it in its batch's transaction. For a facility with
// `ehr_bookings` in its configuration whose ehr binding names the inbox
// row's instance, it asks for the appointment's booking task (one per
// facility and appointment: a notification that arrives while the task
// waits or runs is the same task asked again, which then runs once more)
// and answers true: the row is "dispatched". Other events, other facilities
// and instances answer false and ask for nothing. It never calls the EHR:
// the dispatcher's transaction stays short whatever the EHR does.
//
// The task (run(), on the hub's task runner, outside any transaction) reads
// the appointment from the EHR through the instance (ehr.read_appointment:
// its current status, whatever order notifications arrived in, and whether
// the EHR serves it at all), bounded by the plugin's timeouts and the task's
// budget, and then, in one transaction under a lock on (facility,
// appointment):
//   booked     and no consultation of the appointment in the facility: a
//              consultation (scheduled, the appointment's patient,
//              practitioner and start) and a run of the configured workflow,
//              as POST /v1/consultations makes them, audited
//              "consultation.create" by "plugin:<instance>". With one
//              already (any status: a cancelled FHIR appointment stays
//              cancelled; the live one when there are several), nothing
//              starts twice, also when it committed between the look-up
//              and the insert (POST /v1/consultations does not take the
//              lock; the unique index of live consultations per facility
//              and appointment refuses the insert, a retryable error, and
//              the task's next run finds it booked before); a
//              consultation still
//              scheduled takes the appointment's new start when it moved,
//              audited "consultation.reschedule" (its scheduled reminders
//              follow, and a patient already told of it is sent a
//              reschedule notice: hub/notifications/consultation_notices.hpp).
//   cancelled  the consultation's run is cancelled (its compensation runs, as
//              for POST …/cancel) and the consultation is "cancelled" with
//              reason "appointment_cancelled", audited "consultation.cancel"
//              (its scheduled notifications are cancelled and a patient
//              already told of it is sent a cancellation notice); already
//              ended, nothing.
//   noshow     the same, with reason "no_show".
// An appointment the EHR does not serve (not_found), a cancellation of one
// with no consultation, or another status puts the notification's inbox row
// back to "unmatched": listed and replayable (GET /v1/webhooks/unmatched). A
// retryable error of the read is retried by the task runner with backoff;
// any other error, or the last retry's, parks the row (audited
// "webhook.parked"), so nothing is dropped silently.
//
// Thread-safe: stateless apart from borrowed collaborators (the Config,
// CellCipher, Engine and AuditWriter must outlive it; `ehr_of` is called
// from the task runner's threads).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/engine.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::consultations {

// The booking task's kind.
inline constexpr const char* kEhrBookingTask = "task.ehr_booking";

// How the identifier the hub gives an Appointment it books itself
// (POST /v1/consultations naming a slot or a service) begins: the request's
// idempotency key, hashed, after this prefix.
inline constexpr std::string_view kHubBookingKeyPrefix = "wasl-booking-";

// Whether `appointment` carries such an identifier: the hub booked it, and
// the request that did so creates its consultation.
bool booked_by_hub(const sdk::Appointment& appointment);

// The EHR instance named (the typed door to plugins:
// plugin_host::PluginHost::ehr); an error when it is not loaded.
using EhrOf =
    std::function<sdk::Result<std::shared_ptr<sdk::EhrConnector>>(const std::string& instance)>;

class EhrBookings final : public jobs::TaskHandler {
 public:
  // `audit` may be null (no audit events: tests only).
  EhrBookings(const config::Config& config, const records::CellCipher& cipher,
              workflow::Engine& engine, EhrOf ehr_of, const audit::AuditWriter* audit);

  // The reaction; `instance` is the inbox row's.
  sdk::Result<bool> react(storage::Transaction& tx, const std::string& instance,
                          const workflow::IncomingEvent& event) const;

  sdk::Result<jobs::TaskSettlement> run(const jobs::Task& task) override;
  sdk::Status give_up(storage::Transaction& tx, const jobs::Task& task,
                      const sdk::Error& error) override;
  void settled(const jobs::Task& task) override;  // wakes the engine for the runs started

 private:
  // What the EHR answered, written: booked, cancelled, or the notification
  // kept unmatched (`appointment` unset: the EHR does not serve it).
  sdk::Status settle(storage::Transaction& tx, const std::string& instance,
                     const config::FacilityConfig& facility, const std::string& inbox_id,
                     const std::optional<sdk::Appointment>& appointment) const;
  sdk::Status book(storage::Transaction& tx, const std::string& instance,
                   const config::FacilityConfig& facility,
                   const sdk::Appointment& appointment) const;
  // A booked appointment whose start moved: the consultation, while still
  // scheduled, takes the new start (audited as consultation.reschedule).
  sdk::Status reschedule(storage::Transaction& tx, const std::string& instance,
                         const config::FacilityConfig& facility,
                         const domain::Consultation& existing,
                         const sdk::Appointment& appointment) const;
  // Cancels the appointment's consultation with `reason` (a cancel reason
  // code); false when none was booked.
  sdk::Result<bool> cancel(storage::Transaction& tx, const std::string& instance,
                           const config::FacilityConfig& facility,
                           const std::string& appointment_ref, const char* reason) const;

  const config::Config& config_;
  const records::CellCipher& cipher_;
  workflow::Engine& engine_;
  EhrOf ehr_of_;
  const audit::AuditWriter* audit_;
};

}  // namespace wasl::consultations
