// The attendance feature's one registration call. app/ makes it at start-up,
// after the engine is built and before anything starts; it adds:
//   - the reactions to "participant.connected", "participant.disconnected"
//     and "room.ended" that record who was in the room and deliver
//     "patient.arrival" (attendance_recorder.hpp), after any reaction
//     registered before it;
//   - the task that counts attendee-seconds once their transaction has
//     committed (kCountTask);
//   - hub.attendance (attendance_action.hpp).
#pragma once

#include <chrono>

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
};

// Registers the reactions, the task handler and the action above. Errors: a
// second registration of any of them (kAlreadyExists).
sdk::Status add_attendance(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                           const AttendanceServices& services);

}  // namespace wasl::attendance
