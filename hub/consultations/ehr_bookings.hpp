// EhrBookings: consultations started and cancelled by a facility's EHR. The
// EHR's Subscription notifications reach /v1/webhooks/ehr.<label> and become
// "appointment.updated" events (plugins/fhir); the dispatcher hands each one,
// in its batch's transaction, to act() (EventSink::act). For a facility with
// `ehr_bookings` in its configuration whose ehr binding names that instance,
// act() reads the appointment from the EHR (ehr.read_appointment through the
// facility's binding: its current status, whatever order notifications
// arrived in, and whether the EHR serves it at all) and then:
//   booked     and no consultation of the appointment in the facility: a
//              consultation (scheduled, the appointment's patient, practitioner
//              and start) and a run of the configured workflow, as POST
//              /v1/consultations makes them, audited "consultation.create" by
//              "plugin:<instance>". With one already (any status: a cancelled
//              FHIR appointment stays cancelled), nothing: a redelivered or
//              repeated notification starts nothing twice.
//   cancelled  the consultation's run is cancelled (its compensation runs, as
//              for POST …/cancel) and the consultation is "cancelled" with
//              reason "appointment_cancelled", audited "consultation.cancel";
//              already ended, nothing.
// Each of these answers true (the inbox row is "dispatched"). An appointment
// the EHR does not serve (not_found), a cancellation of one with no
// consultation, or another status answers false: the row stays "unmatched",
// listed and replayable (GET /v1/webhooks/unmatched). Other events, other
// facilities and instances answer false without any call.
//
// Matching: the dispatcher's delivery of the same event has already taken the
// engine's lock for (facility, appointment.updated, Appointment/<id>), so two
// notifications of one appointment never book it twice, across processes too.
// The EHR read happens inside that transaction, bounded by the plugin's own
// timeout. Errors: the read's error unchanged (retryable ones are retried by
// the dispatcher with backoff, others park the row); storage errors after
// rolling back this event's own writes (a savepoint), so the batch goes on.
//
// Thread-safe: stateless apart from borrowed collaborators (the Config,
// CellCipher, Engine and AuditWriter must outlive it).
#pragma once

#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/engine.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::consultations {

class EhrBookings {
 public:
  // `audit` may be null (no audit events: tests only).
  EhrBookings(const config::Config& config, const records::CellCipher& cipher,
              workflow::Engine& engine, std::shared_ptr<workflow::CapabilityInvoker> invoker,
              const audit::AuditWriter* audit);

  // See above. `instance` is the inbox row's.
  sdk::Result<bool> act(storage::Transaction& tx, const std::string& instance,
                        const workflow::IncomingEvent& event) const;

 private:
  sdk::Result<bool> book(storage::Transaction& tx, const std::string& instance,
                         const config::FacilityConfig& facility,
                         const nlohmann::json& appointment) const;
  sdk::Result<bool> cancel(storage::Transaction& tx, const std::string& instance,
                           const config::FacilityConfig& facility,
                           const std::string& appointment_ref) const;

  const config::Config& config_;
  const records::CellCipher& cipher_;
  workflow::Engine& engine_;
  std::shared_ptr<workflow::CapabilityInvoker> invoker_;
  const audit::AuditWriter* audit_;
};

}  // namespace wasl::consultations
