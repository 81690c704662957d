// RejoinGuard: a removed participant does not stay in the room. Removing a
// participant (DELETE /v1/consultations/{id}/participants/{pid}) disconnects
// it at the provider, but a Twilio access token cannot be revoked and stays
// valid until it expires, so the removed person could connect again with it.
// The provider reports every connection ("participant.connected", its
// participant_id the one the hub holds as participants.provider_participant_id,
// which video.remove_participant accepts); the dispatcher hands each one, in
// its batch's transaction, to act() (EventSink::act), which:
//   - finds the facility's participant with that provider id in the
//     consultation whose room it is (video_instance = the inbox row's
//     instance, video_room_id = the event's room_id);
//   - when that participant is removed, disconnects it again through
//     video.remove_participant on that instance (the consultation's own, not
//     the facility's current binding), audits "participant.evict" (actor
//     "system", detail: consultation id and the event's dedupe key) in the
//     same transaction, counts wasl_participant_evictions_total, and answers
//     true: the inbox row is "dispatched".
// Anything else (another event type, an unknown room or participant, one not
// removed, another facility's room) answers false without any call. The
// provider's not_found (already gone) counts as done. Another error is
// returned unchanged: a retryable one makes the dispatcher try the row again
// with backoff, so the eviction is not lost while the provider is down; the
// row's audit event is then not written (a savepoint undoes it).
//
// The provider call happens inside the dispatcher's transaction, bounded by
// the plugin's own timeout, as EhrBookings reads the EHR there: the event is
// rare (a removed participant reconnecting), and keeping the call there makes
// the inbox row the durable record of an eviction still owed.
//
// Thread-safe: stateless apart from borrowed collaborators (the CellCipher,
// AuditWriter and Metrics must outlive it).
#pragma once

#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::consultations {

class RejoinGuard {
 public:
  // `audit` and `metrics` may be null (tests only).
  RejoinGuard(const records::CellCipher& cipher,
              std::shared_ptr<workflow::CapabilityInvoker> invoker, const audit::AuditWriter* audit,
              observability::Metrics* metrics);

  // See above. `instance` is the inbox row's.
  sdk::Result<bool> act(storage::Transaction& tx, const std::string& instance,
                        const workflow::IncomingEvent& event) const;

 private:
  const records::CellCipher& cipher_;
  std::shared_ptr<workflow::CapabilityInvoker> invoker_;
  const audit::AuditWriter* audit_;
  observability::Metrics* metrics_;
};

}  // namespace wasl::consultations
