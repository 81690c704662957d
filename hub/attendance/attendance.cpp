#include "hub/attendance/attendance.hpp"

#include <memory>
#include <string>

#include "hub/attendance/attendance_action.hpp"
#include "hub/attendance/attendance_recorder.hpp"

namespace wasl::attendance {

sdk::Status add_attendance(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                           const AttendanceServices& s) {
  auto recorder = std::make_shared<AttendanceRecorder>(*s.cipher, s.engine, s.metrics);
  for (const char* type : {"participant.connected", "participant.disconnected", "room.ended"}) {
    WASL_RETURN_IF_ERROR(actions.react(
        type,
        [recorder](storage::Transaction& tx, const std::string& instance,
                   const workflow::IncomingEvent& event) {
          return recorder->react(tx, instance, event);
        },
        "hub/attendance"));
  }
  WASL_RETURN_IF_ERROR(tasks.handle(kCountTask, recorder));
  const records::CellCipher* cipher = s.cipher;
  const std::chrono::milliseconds settle = s.settle;
  return actions.add(
      kAttendanceAction, workflow::HubActionMode::kInTransaction,
      [cipher, settle](const workflow::HubActionContext& ctx, const nlohmann::json& input) {
        return attendance_action(*cipher, settle, ctx, input);
      });
}

}  // namespace wasl::attendance
