// AttendanceRecorder: the reaction (workflow::HubActions::react) to the video
// providers' "participant.connected", "participant.disconnected" and
// "room.ended" events, called in the webhook dispatcher's batch transaction
// with the inbox row's instance.
//
// react() finds the facility's consultation holding the event's room on that
// instance (through the participant the provider id names,
// records::ParticipantStore::find_in_room, or else the room itself) and
// records the join, leave or room end (AttendanceStore::record, once per
// dedupe key) with the participant's attendance role: a provider participant
// the hub does not know is recorded as a "guest" with no hub participant.
// It answers true when the event concerns such a consultation (the inbox row
// is then "dispatched", a repeat included) and false otherwise (another
// facility's room, an unknown room, a malformed event): nothing is written.
//
// In the same transaction:
// - the first recorded join of a patient delivers the hub's
//   "patient.arrival" event to the engine (workflow::Engine::deliver_events):
//   correlation the consultation id, dedupe key
//   "patient.arrival/<facility>/<consultation>", payload the sdk::Event form
//   {type, resource_id: consultation id, occurred_at_ms, payload: {outcome:
//   "joined", participant_id}}. A run waiting for it goes on; one that starts
//   waiting later takes it then. The no-show verdict uses the same key, so
//   whichever is stored first stands.
// - when the event adds closed seconds to the consultation's attendance, a
//   task (kCountTask, keyed by the event) carries them to the counter
//   wasl_attendance_seconds_total{facility, instance}, counted by the task
//   runner once the transaction has committed: a rolled-back dispatch counts
//   nothing and a repeated event adds nothing.
// - when a leave leaves the room empty (everyone who joined has left) on an
//   instance whose empty rooms the hub ends (`empty_room_timeout` answers a
//   duration), it asks for the consultation's empty-room task, due that long
//   after (empty_room.hpp).
//
// The events of one consultation are recorded one transaction at a time
// (storage::lock_key on the consultation, PostgreSQL). An error leaves
// nothing of the event behind (a savepoint) and fails the inbox row as a
// failed delivery does. Never calls a plugin.
//
// Thread-safe: stateless apart from borrowed collaborators (the CellCipher,
// Engine and Metrics must outlive it).
#pragma once

#include <string>

#include "hub/attendance/attendance_store.hpp"
#include "hub/attendance/empty_room.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::attendance {

// The event the hub delivers when a patient first joins (spec'd above).
inline constexpr const char* kPatientArrival = "patient.arrival";
// The counting task's kind.
inline constexpr const char* kCountTask = "task.attendance_count";
// The counter's name.
inline constexpr const char* kSecondsMetric = "wasl_attendance_seconds_total";

// The dedupe key of a consultation's patient.arrival event, whoever
// delivers it.
std::string patient_arrival_key(const std::string& facility_id, const std::string& consultation_id);

class AttendanceRecorder final : public jobs::TaskHandler {
 public:
  // `engine` may be null (no patient.arrival is delivered: tests of the
  // store alone); `metrics` may be null; `empty_room_timeout` may be empty
  // (no empty room is ended).
  AttendanceRecorder(const records::CellCipher& cipher, workflow::Engine* engine,
                     observability::Metrics* metrics, EmptyRoomTimeout empty_room_timeout = {});

  // The reaction; `instance` is the inbox row's.
  sdk::Result<bool> react(storage::Transaction& tx, const std::string& instance,
                          const workflow::IncomingEvent& event) const;

  // The counting task: nothing to do outside; settled() counts.
  sdk::Result<jobs::TaskSettlement> run(const jobs::Task& task) override;
  sdk::Status give_up(storage::Transaction& tx, const jobs::Task& task,
                      const sdk::Error& error) override;
  void settled(const jobs::Task& task) override;

 private:
  sdk::Result<bool> record(storage::Transaction& tx, const std::string& instance,
                           const workflow::IncomingEvent& event) const;

  const records::CellCipher& cipher_;
  workflow::Engine* engine_;
  observability::Metrics* metrics_;
  EmptyRoomTimeout empty_room_timeout_;
};

}  // namespace wasl::attendance
