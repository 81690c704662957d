#include "hub/attendance/attendance_action.hpp"

#include <algorithm>

#include "hub/records/inbox_store.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::attendance {

nlohmann::json encounter_attendance(const ConsultationAttendance& attendance, std::int64_t now_ms) {
  const std::int64_t open_end =
      attendance.room_ended_at_ms > 0 ? attendance.room_ended_at_ms : now_ms;
  std::vector<sdk::EncounterParticipant> participants;
  std::int64_t seconds = 0;
  for (const ParticipantAttendance& a : attendance.participants) {
    sdk::EncounterParticipant p;
    p.role = a.role;
    p.practitioner_id = a.practitioner_id;
    for (const Period& period : a.periods) {
      Period closed = period;
      if (closed.end_ms == 0) closed.end_ms = std::max(open_end, closed.start_ms);
      if (closed.end_ms <= closed.start_ms) continue;
      seconds += period_seconds(closed);
      p.periods.push_back({closed.start_ms, closed.end_ms});
    }
    if (p.periods.empty()) continue;
    participants.push_back(std::move(p));
  }
  return nlohmann::json{{"participants", participants},
                        {"attendee_seconds", seconds},
                        {"patient_joined", attendance.patient_joined},
                        {"clinician_joined", attendance.clinician_joined}};
}

namespace {

// How often the action looks again while the room's events wait in the inbox.
constexpr std::chrono::milliseconds kUndispatchedPoll{1000};

sdk::Error later(std::string message, std::chrono::milliseconds after) {
  sdk::Error e(sdk::ErrorCode::kUnavailable, std::move(message), true,
               std::max(after, std::chrono::milliseconds(1)));
  e.deferred = true;
  return e;
}

}  // namespace

sdk::Result<nlohmann::json> attendance_action(const records::CellCipher& cipher,
                                              std::chrono::milliseconds settle,
                                              const workflow::HubActionContext& ctx,
                                              const nlohmann::json& /*input*/) {
  if (ctx.consultation_id.empty() || ctx.tx == nullptr) {
    return encounter_attendance(ConsultationAttendance{}, ctx.now_ms);
  }
  WASL_ASSIGN_OR_RETURN(
      ConsultationAttendance attendance,
      AttendanceStore(cipher).of_consultation(*ctx.tx, ctx.facility_id, ctx.consultation_id));
  if (attendance.room_ended_at_ms == 0) return encounter_attendance(attendance, ctx.now_ms);
  const std::int64_t quiet_until = attendance.last_recorded_at_ms + settle.count();
  if (ctx.now_ms < quiet_until) {
    return later("the room has ended; waiting for the provider's last attendance events",
                 std::chrono::milliseconds(quiet_until - ctx.now_ms));
  }
  if (!attendance.video_instance.empty() && !attendance.video_room_id.empty()) {
    WASL_ASSIGN_OR_RETURN(
        std::int64_t undispatched,
        records::InboxStore(cipher).count_received(
            *ctx.tx, ctx.facility_id, attendance.video_instance, attendance.video_room_id));
    if (undispatched > 0) {
      return later("the room has ended; " + std::to_string(undispatched) +
                       " of its events received by the hub are not yet dispatched",
                   std::min(settle, kUndispatchedPoll));
    }
  }
  return encounter_attendance(attendance, ctx.now_ms);
}

}  // namespace wasl::attendance
