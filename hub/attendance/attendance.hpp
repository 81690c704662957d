// The attendance feature's one registration call. app/ makes it at start-up,
// after the engine is built and before anything starts; it adds:
//   - the reactions to "participant.connected", "participant.disconnected"
//     and "room.ended" that record who was in the room and deliver
//     "patient.arrival" (attendance_recorder.hpp), after any reaction
//     registered before it;
//   - the task that counts attendee-seconds once their transaction has
//     committed (kCountTask);
//   - hub.attendance (attendance_action.hpp);
//   - the task that ends a room everyone has left on a provider that does
//     not end empty rooms itself (kEmptyRoomTask, empty_room.hpp), when
//     `store`, `video_of` and `empty_room_timeout` are given.
#pragma once

#include <chrono>

#include "hub/attendance/empty_room.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::attendance {

// What the feature works with; all borrowed, and must outlive the
// HubActions and TaskRunner it registers with. `metrics` may be null
// (tests only).
struct AttendanceServices {
  const records::CellCipher* cipher = nullptr;
  workflow::Engine* engine = nullptr;
  observability::Metrics* metrics = nullptr;
  // workflow.attendance_settle: how long hub.attendance waits, after the
  // room has ended, for the provider's events to stop arriving.
  std::chrono::milliseconds settle{10000};
  // The empty-room task's collaborators; all set, or none (no empty room is
  // ended: tests of the recorder alone). `audit` may be null (tests only).
  storage::Store* store = nullptr;
  VideoOf video_of;
  EmptyRoomTimeout empty_room_timeout;
  const audit::AuditWriter* audit = nullptr;
};

// Registers the reactions, the task handler and the action above. Errors: a
// second registration of any of them (kAlreadyExists).
sdk::Status add_attendance(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                           const AttendanceServices& services);

}  // namespace wasl::attendance
