// AttendanceStore: who was in a consultation's video session, and when.
//
// The video providers report each participant's joins and leaves
// ("participant.connected" / "participant.disconnected") and the room's end
// ("room.ended"). record() keeps each such event once per provider dedupe
// key (attendance_events); nothing else is stored. A participant's periods
// are derived on every read (period_merge.hpp): its events sorted by time,
// a join opening a period, a leave closing it, the room's end closing the
// one still open, touching or overlapping periods merged. So an event that
// arrives late, twice or before the one it follows never doubles a period.
//
// Seconds: a closed period counts floor((end_ms - start_ms) / 1000) whole
// seconds; a participant's, a consultation's and a usage row's seconds are
// sums of those, so every figure is the exact sum of the periods it covers.
// An open period (end_ms 0: still in the room) counts nothing.
//
// Same contract as the record stores: the caller's transaction, the caller's
// facility filtered in every statement (another facility's consultation
// reads as empty, exactly like a missing one), thread-safe, the CellCipher
// borrowed and outliving the store. No column it writes holds PHI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::attendance {

// Epoch ms UTC. end_ms 0: the participant is still in the room.
struct Period {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  bool operator==(const Period&) const = default;
};

// Whole seconds of a closed period (0 for an open one).
std::int64_t period_seconds(const Period& p);

// The attendance roles (sdk::EncounterParticipant::role).
inline constexpr std::string_view kRolePatient = "patient";
inline constexpr std::string_view kRoleClinician = "clinician";  // doctor, nurse, specialist
inline constexpr std::string_view kRoleInterpreter = "interpreter";
inline constexpr std::string_view kRoleGuest = "guest";  // family, observer, or unknown

struct ParticipantAttendance {
  std::string participant_id;  // hub participant id; empty for an unknown provider participant
  std::string provider_participant_id;
  std::string role;             // kRole…
  std::string practitioner_id;  // the EHR's practitioner id of a clinician, when known
  std::vector<Period> periods;  // merged, ordered, non-overlapping
  std::int64_t seconds = 0;     // sum of period_seconds over the periods
};

struct ConsultationAttendance {
  // Ordered by first join, then provider participant id.
  std::vector<ParticipantAttendance> participants;
  bool patient_joined = false;
  bool clinician_joined = false;
  std::int64_t attendee_seconds = 0;  // sum over participants
  std::int64_t room_ended_at_ms = 0;  // 0 = not known to have ended
  // When the hub recorded the newest of its events (0 = none).
  std::int64_t last_recorded_at_ms = 0;
  // The consultation's room, when it has one: the provider's events about it
  // arrive in the inbox with the room id as their correlation.
  std::string video_instance;
  std::string video_room_id;
};

// One event as record() takes it.
enum class AttendanceMark { kJoin, kLeave, kRoomEnd };
std::string_view to_string(AttendanceMark m);  // "join", "leave", "room_end"

// The dedupe keys of the room ends the hub observed rather than the provider
// reported: the session reconciler's synthetic room.ended
// (archive::reconcile_dedupe_key) and the empty-room task's end
// (hub/attendance/empty_room.hpp). Their time is when the hub found the
// room gone, so a provider's own end, when one is recorded, is the room's
// end (it says when the room ended).
inline constexpr std::string_view kReconciledEndKeyPrefix = "reconcile:";
inline constexpr std::string_view kEmptyRoomEndKeyPrefix = "hub.empty_room/";

struct AttendanceEvent {
  std::string facility_id;
  std::string consultation_id;
  std::string video_instance;
  std::string room_id;
  AttendanceMark mark = AttendanceMark::kJoin;
  std::string provider_participant_id;  // empty for kRoomEnd
  std::string participant_id;           // hub participant; empty when unknown or kRoomEnd
  std::string role;                     // kRole…; empty for kRoomEnd
  std::int64_t occurred_at_ms = 0;
  std::string dedupe_key;  // the provider's; one row per (facility, dedupe_key)
};

// Whether `e` is a room end the hub observed (its dedupe key starts with
// kReconciledEndKeyPrefix or kEmptyRoomEndKeyPrefix).
bool observed_by_hub(const AttendanceEvent& e);

class AttendanceStore {
 public:
  explicit AttendanceStore(const records::CellCipher& cipher);

  // Stores `event` unless one with its dedupe key is stored for its
  // facility: true when stored, false for such a duplicate (nothing
  // changes). kNotFound when the consultation is not in the facility;
  // kInvalidArgument for an empty dedupe key or consultation id.
  sdk::Result<bool> record(storage::Transaction& tx, const AttendanceEvent& event,
                           std::int64_t now_ms) const;

  // Whether a join of a patient is stored for the consultation.
  sdk::Result<bool> patient_joined(storage::Transaction& tx, const std::string& facility_id,
                                   const std::string& consultation_id) const;

  // Every participant's periods, with the room's end (the provider's first
  // recorded room end, else the first the hub observed, else the
  // consultation's ended_at) closing open ones. A
  // consultation of another facility, or none, gives no participants.
  sdk::Result<ConsultationAttendance> of_consultation(storage::Transaction& tx,
                                                      const std::string& facility_id,
                                                      const std::string& consultation_id) const;

  // The consultation's stored events, ordered by occurred_at_ms (then as
  // stored): what its timeline shows. Of the room ends the hub observed,
  // only the first is listed, and none when the provider's own end is
  // stored. Empty for another facility's.
  sdk::Result<std::vector<AttendanceEvent>> events_of(storage::Transaction& tx,
                                                      const std::string& facility_id,
                                                      const std::string& consultation_id) const;

  struct UsageRow {
    // Set only for the dimensions grouped by; the others are empty.
    std::string facility_id;
    std::string instance;          // the video instance ("video.twilio-main")
    std::string practitioner_key;  // the consultation's practitioner ("Practitioner/3"); "" none
    std::string day;               // "2026-03-01", the facility's civil date of the start
    std::int64_t attendee_seconds = 0;
    std::int64_t periods = 0;
  };
  // The facility's closed periods whose start is in [from_ms, to_ms),
  // summed per group. `group_by` holds any of "facility", "instance",
  // "practitioner", "day" (kInvalidArgument for another; empty = one row of
  // everything); "day" is the civil date of the period's start in
  // `time_zone` (the facility's reporting time zone). Rows ordered by their
  // group values; no rows when there are no periods.
  sdk::Result<std::vector<UsageRow>> usage(storage::Transaction& tx, const std::string& facility_id,
                                           std::int64_t from_ms, std::int64_t to_ms,
                                           const std::vector<std::string>& group_by,
                                           const std::string& time_zone) const;

 private:
  const records::CellCipher& cipher_;
};

}  // namespace wasl::attendance
