// EmptyRoomCloser: ends the rooms a provider leaves open once everyone has
// gone. Twilio and Chime end an empty room by themselves (their plugins
// declare sdk::VideoProvider::kEndsEmptyRooms); Janus never does, so on a
// provider without that feature a consultation whose participants all left
// would stay open until its workflow times out.
//
// When the attendance recorder stores a leave after which every participant
// who joined the room has left (at least one joined, none is in, the room's
// end not recorded), it asks, in the same transaction, for the task
// kEmptyRoomTask keyed "task.empty_room/<facility>/<consultation>" (one per
// consultation: another leave asks the same task again), due the instance's
// empty_room_timeout later. A room nobody has joined yet is never asked
// about: the waiting room may be long.
//
// The task (run(), on the hub's task runner, outside any transaction; the
// runners of every hub share the jobs table and lease each task, so one
// runner at a time holds it):
//   - reads the consultation's attendance again: when someone is in the
//     room, or its end is recorded, there is nothing to do;
//   - when the newest recorded event is younger than the timeout (someone
//     joined and left again meanwhile), answers a retryable error whose
//     retry_after is the time left, so it runs again when due;
//   - otherwise ends the room through the consultation's own instance
//     (video.end_room, key "empty-room:<consultation id>"); the provider's
//     not_found (the room is gone already) counts as done;
//   - then, in the settling transaction, records the room's end in the
//     consultation's attendance (dedupe key "hub.empty_room/<consultation
//     id>"), which is what makes a later run of the task find nothing to
//     do, and audits "room.end_empty" (actor "system") once: a second
//     settlement finds the end recorded and writes nothing.
// The provider's own room.ended event that follows drives the run as usual.
//
// Thread-safe: stateless apart from borrowed collaborators (the Store,
// CellCipher and AuditWriter must outlive it; `video_of` is called from the
// task runner's threads).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hub/attendance/attendance_store.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::attendance {

// The task's kind, and the audit action of an empty room ended.
inline constexpr const char* kEmptyRoomTask = "task.empty_room";
inline constexpr const char* kEmptyRoomAudit = "room.end_empty";

// How long a room of `instance` may stay empty before the hub ends it;
// nullopt when the hub leaves that to the provider (its plugin declares
// kEndsEmptyRooms) or the instance is unknown.
using EmptyRoomTimeout =
    std::function<std::optional<std::chrono::milliseconds>(const std::string& instance)>;

// The video instance named (plugin_host::PluginHost::video); an error when
// it is not loaded.
using VideoOf =
    std::function<sdk::Result<std::shared_ptr<sdk::VideoProvider>>(const std::string& instance)>;

// Whether everyone who joined has left a room still open: at least one
// participant, every period closed, the room's end not recorded.
bool everyone_left(const ConsultationAttendance& attendance);

// Asks for the consultation's empty-room task, due `timeout` after `now_ms`,
// in the caller's transaction (the one that recorded the leave).
sdk::Status request_empty_room_end(storage::Transaction& tx, const std::string& facility_id,
                                   const std::string& consultation_id, const std::string& instance,
                                   const std::string& room_id, std::chrono::milliseconds timeout,
                                   std::int64_t now_ms);

class EmptyRoomCloser final : public jobs::TaskHandler {
 public:
  // `audit` may be null (tests only).
  EmptyRoomCloser(storage::Store& store, const records::CellCipher& cipher, VideoOf video_of,
                  EmptyRoomTimeout timeout_of, const audit::AuditWriter* audit);

  sdk::Result<jobs::TaskSettlement> run(const jobs::Task& task) override;
  // Logs why the room was not ended; the workflow's own timeout and the
  // session reconciler still end the consultation.
  sdk::Status give_up(storage::Transaction& tx, const jobs::Task& task,
                      const sdk::Error& error) override;

 private:
  storage::Store& store_;
  const records::CellCipher& cipher_;
  VideoOf video_of_;
  EmptyRoomTimeout timeout_of_;
  const audit::AuditWriter* audit_;
};

}  // namespace wasl::attendance
