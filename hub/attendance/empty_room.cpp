#include "hub/attendance/empty_room.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub/jobs/job_queue.hpp"
#include "hub/storage/transaction_lock.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::attendance {
namespace {

using nlohmann::json;
using sdk::Result;
using sdk::Status;

// What an empty-room task is about, from its payload.
struct EmptyRoom {
  std::string facility_id;
  std::string consultation_id;
  std::string instance;
  std::string room_id;
};

EmptyRoom empty_room_of(const json& payload) {
  return EmptyRoom{sdk::string_member(payload, "facility_id"),
                   sdk::string_member(payload, "consultation_id"),
                   sdk::string_member(payload, "instance"), sdk::string_member(payload, "room_id")};
}

}  // namespace

bool everyone_left(const ConsultationAttendance& attendance) {
  if (attendance.room_ended_at_ms != 0 || attendance.participants.empty()) return false;
  return std::all_of(attendance.participants.begin(), attendance.participants.end(),
                     [](const ParticipantAttendance& p) {
                       return !p.periods.empty() && p.periods.back().end_ms != 0;
                     });
}

Status request_empty_room_end(storage::Transaction& tx, const std::string& facility_id,
                              const std::string& consultation_id, const std::string& instance,
                              const std::string& room_id, std::chrono::milliseconds timeout,
                              std::int64_t now_ms) {
  const json payload = {{"facility_id", facility_id},
                        {"consultation_id", consultation_id},
                        {"instance", instance},
                        {"room_id", room_id}};
  return jobs::JobQueue::request_task(
      tx, kEmptyRoomTask, std::string(kEmptyRoomTask) + "/" + facility_id + "/" + consultation_id,
      payload, now_ms + timeout.count(), now_ms);
}

EmptyRoomCloser::EmptyRoomCloser(storage::Store& store, const records::CellCipher& cipher,
                                 VideoOf video_of, EmptyRoomTimeout timeout_of,
                                 const audit::AuditWriter* audit)
    : store_(store),
      cipher_(cipher),
      video_of_(std::move(video_of)),
      timeout_of_(std::move(timeout_of)),
      audit_(audit) {}

Result<jobs::TaskSettlement> EmptyRoomCloser::run(const jobs::Task& task) {
  EmptyRoom r = empty_room_of(task.payload);
  if (r.facility_id.empty() || r.consultation_id.empty() || r.instance.empty() ||
      r.room_id.empty()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "empty-room task " + task.key + " names no consultation room", false);
  }
  const std::optional<std::chrono::milliseconds> timeout =
      timeout_of_ ? timeout_of_(r.instance) : std::nullopt;
  if (!timeout) return jobs::TaskSettlement();  // the provider ends its empty rooms now

  AttendanceStore store(cipher_);
  ConsultationAttendance attendance;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(attendance, store.of_consultation(*tx, r.facility_id, r.consultation_id));
    tx->rollback();
  }
  // Someone is in the room, or its end is recorded: nothing to do. A later
  // leave asks for the task again.
  if (!everyone_left(attendance)) return jobs::TaskSettlement();
  const std::int64_t now = audit::now_epoch_ms();
  const std::int64_t due = attendance.last_recorded_at_ms + timeout->count();
  if (now < due) {
    // Someone joined and left again since the task was asked for: not yet.
    sdk::Error not_yet(sdk::ErrorCode::kUnavailable,
                       "room " + r.room_id + " of " + r.instance +
                           " has been empty for less than " + std::to_string(timeout->count()) +
                           " ms",
                       true, std::chrono::milliseconds(due - now));
    not_yet.deferred = true;
    return not_yet;
  }

  WASL_ASSIGN_OR_RETURN(auto video, video_of_(r.instance));
  sdk::RoomRef ref;
  // One key per consultation: a second run of the task asks for the same end.
  ref.idempotency_key = "empty-room:" + r.consultation_id;
  ref.room_id = r.room_id;
  auto ended = video->end_room(ref);
  std::string provider = "ended";
  if (!ended.ok()) {
    if (ended.error().code != sdk::ErrorCode::kNotFound) {
      sdk::Error error = std::move(ended).error();
      error.message = "ending empty room " + r.room_id + " of " + r.instance + " (consultation " +
                      r.consultation_id + "): " + error.message;
      return error;
    }
    provider = "not_found";  // gone already (the provider restarted, or ended it)
  }
  const std::int64_t empty_since = attendance.last_recorded_at_ms;
  return jobs::TaskSettlement(
      [this, r = std::move(r), provider, empty_since, now](storage::Transaction& tx) -> Status {
        // As the recorder does: one consultation's attendance one transaction
        // at a time, so a second settlement sees this one's end.
        WASL_RETURN_IF_ERROR(
            storage::lock_key(tx, "attendance/" + r.facility_id + "/" + r.consultation_id));
        AttendanceEvent end;
        end.facility_id = r.facility_id;
        end.consultation_id = r.consultation_id;
        end.video_instance = r.instance;
        end.room_id = r.room_id;
        end.mark = AttendanceMark::kRoomEnd;
        end.occurred_at_ms = now;
        end.dedupe_key = std::string(kEmptyRoomEndKeyPrefix) + r.consultation_id;
        AttendanceStore attendance_store(cipher_);
        WASL_ASSIGN_OR_RETURN(bool stored, attendance_store.record(tx, end, now));
        if (!stored) return Status();  // ended and audited by an earlier run
        spdlog::info(
            "consultation {}: everyone left room {} of {} at {} ms and nobody joined since; "
            "the hub ended the room ({})",
            r.consultation_id, r.room_id, r.instance, empty_since, provider);
        if (audit_ == nullptr) return Status();
        audit::AuditEvent audited;
        audited.actor = "system";
        audited.facility_id = r.facility_id;
        audited.action = kEmptyRoomAudit;
        audited.entity_type = "consultation";
        audited.entity_id = r.consultation_id;
        audited.outcome = std::string(audit::kOutcomeSuccess);
        audited.detail = json{
            {"instance", r.instance},
            {"room_id", r.room_id},
            {"empty_since_ms", empty_since},
            {"provider",
             provider}}.dump();
        WASL_RETURN_IF_ERROR(audit_->append(tx, audited));
        return Status();
      });
}

Status EmptyRoomCloser::give_up(storage::Transaction& /*tx*/, const jobs::Task& task,
                                const sdk::Error& error) {
  const EmptyRoom r = empty_room_of(task.payload);
  spdlog::warn(
      "consultation {}: could not end empty room {} of {}: {}; the session reconciler and "
      "the workflow's timeout still end it",
      r.consultation_id, r.room_id, r.instance, error.message);
  return {};
}

}  // namespace wasl::attendance
