#include "hub/attendance/attendance.hpp"

#include <memory>
#include <string>

#include "hub/attendance/attendance_action.hpp"
#include "hub/attendance/attendance_recorder.hpp"

namespace wasl::attendance {

sdk::Status add_attendance(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                           const AttendanceServices& s) {
  const bool ends_empty_rooms = s.store != nullptr && s.video_of && s.empty_room_timeout;
  auto recorder = std::make_shared<AttendanceRecorder>(
      *s.cipher, s.engine, s.metrics, ends_empty_rooms ? s.empty_room_timeout : EmptyRoomTimeout());
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
  if (ends_empty_rooms) {
    WASL_RETURN_IF_ERROR(tasks.handle(
        kEmptyRoomTask, std::make_shared<EmptyRoomCloser>(*s.store, *s.cipher, s.video_of,
                                                          s.empty_room_timeout, s.audit)));
  }
  const records::CellCipher* cipher = s.cipher;
  const std::chrono::milliseconds settle = s.settle;
  return actions.add(
      kAttendanceAction, workflow::HubActionMode::kInTransaction,
      [cipher, settle](const workflow::HubActionContext& ctx, const nlohmann::json& input) {
        return attendance_action(*cipher, settle, ctx, input);
      });
}

}  // namespace wasl::attendance
