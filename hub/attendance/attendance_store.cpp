#include "hub/attendance/attendance_store.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "hub/attendance/period_merge.hpp"
#include "hub/calendar/civil_time.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/participant_store.hpp"
#include "hub/storage/bind.hpp"
#include "hub/storage/row_id.hpp"

namespace wasl::attendance {
namespace {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

constexpr const char* kEventColumns =
    "SELECT consultation_id, video_instance, room_id, mark, provider_participant_id, "
    "participant_id, role, occurred_at, dedupe_key FROM attendance_events ";

std::optional<AttendanceMark> parse_mark(std::string_view text) {
  if (text == "join") return AttendanceMark::kJoin;
  if (text == "leave") return AttendanceMark::kLeave;
  if (text == "room_end") return AttendanceMark::kRoomEnd;
  return std::nullopt;
}

Result<AttendanceEvent> event_of(const storage::Row& row, const std::string& facility_id) {
  AttendanceEvent e;
  e.facility_id = facility_id;
  WASL_ASSIGN_OR_RETURN(e.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(e.video_instance, row.get_text("video_instance"));
  WASL_ASSIGN_OR_RETURN(e.room_id, row.get_text("room_id"));
  WASL_ASSIGN_OR_RETURN(std::string mark, row.get_text("mark"));
  auto parsed = parse_mark(mark);
  if (!parsed) {
    return Error(ErrorCode::kInternal, "attendance_events holds an unknown mark '" + mark + "'",
                 false);
  }
  e.mark = *parsed;
  WASL_ASSIGN_OR_RETURN(e.provider_participant_id, row.get_text("provider_participant_id"));
  if (!row.is_null("participant_id")) {
    WASL_ASSIGN_OR_RETURN(e.participant_id, row.get_text("participant_id"));
  }
  WASL_ASSIGN_OR_RETURN(e.role, row.get_text("role"));
  WASL_ASSIGN_OR_RETURN(e.occurred_at_ms, row.get_int("occurred_at"));
  WASL_ASSIGN_OR_RETURN(e.dedupe_key, row.get_text("dedupe_key"));
  return e;
}

Result<std::vector<AttendanceEvent>> events_of_rows(const storage::Rows& rows,
                                                    const std::string& facility_id) {
  std::vector<AttendanceEvent> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(AttendanceEvent e, event_of(row, facility_id));
    out.push_back(std::move(e));
  }
  return out;
}

// The room's end: the provider's first recorded room end, else the first
// the hub observed, else the consultation's ended_at, else 0.
std::int64_t room_end_of(const std::vector<AttendanceEvent>& events,
                         const std::optional<records::SessionFacts>& session) {
  std::int64_t reported = 0;
  std::int64_t observed = 0;
  for (const AttendanceEvent& e : events) {
    if (e.mark != AttendanceMark::kRoomEnd) continue;
    std::int64_t& end = observed_by_hub(e) ? observed : reported;
    if (end == 0 || e.occurred_at_ms < end) end = e.occurred_at_ms;
  }
  std::int64_t end = reported != 0 ? reported : observed;
  if (end == 0 && session && session->ended_at) end = *session->ended_at;
  return end;
}

// One consultation's attendance from its events (ordered by time): the
// participants grouped by hub participant (by provider participant when the
// hub knows none), each provider participant's marks merged into periods
// and a person's connections united.
ConsultationAttendance derive(const std::vector<AttendanceEvent>& events,
                              std::int64_t room_end_ms) {
  struct Person {
    ParticipantAttendance attendance;
    std::map<std::string, std::vector<TimedMark>> marks;  // by provider participant id
    std::int64_t first_mark_ms = 0;
  };
  std::map<std::string, Person> people;
  for (const AttendanceEvent& e : events) {
    if (e.mark == AttendanceMark::kRoomEnd) continue;
    const std::string key = e.participant_id.empty() ? "provider:" + e.provider_participant_id
                                                     : "hub:" + e.participant_id;
    auto [it, added] = people.try_emplace(key);
    Person& p = it->second;
    if (added) {
      p.attendance.participant_id = e.participant_id;
      p.attendance.provider_participant_id = e.provider_participant_id;
      p.first_mark_ms = e.occurred_at_ms;
    }
    if (!e.role.empty()) p.attendance.role = e.role;
    p.marks[e.provider_participant_id].push_back({e.occurred_at_ms, e.mark});
  }
  ConsultationAttendance out;
  out.room_ended_at_ms = room_end_ms;
  std::vector<std::pair<std::int64_t, ParticipantAttendance>> ordered;
  for (auto& [key, person] : people) {
    std::vector<Period> all;
    for (auto& [provider_id, marks] : person.marks) {
      for (const Period& p : merge_periods(std::move(marks), room_end_ms)) all.push_back(p);
    }
    ParticipantAttendance& a = person.attendance;
    if (a.role.empty()) a.role = std::string(kRoleGuest);
    a.periods = union_periods(std::move(all));
    for (const Period& p : a.periods) a.seconds += period_seconds(p);
    if (!a.periods.empty()) {
      out.patient_joined = out.patient_joined || a.role == kRolePatient;
      out.clinician_joined = out.clinician_joined || a.role == kRoleClinician;
    }
    out.attendee_seconds += a.seconds;
    const std::int64_t first = a.periods.empty() ? person.first_mark_ms : a.periods[0].start_ms;
    ordered.emplace_back(first, std::move(a));
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& x, const auto& y) {
    return std::tie(x.first, x.second.provider_participant_id) <
           std::tie(y.first, y.second.provider_participant_id);
  });
  for (auto& [first, a] : ordered) out.participants.push_back(std::move(a));
  return out;
}

// The practitioner id (the EHR's bare id) of a reference "Practitioner/3".
std::string practitioner_id(const std::string& reference) {
  constexpr std::string_view kPrefix = "Practitioner/";
  if (reference.starts_with(kPrefix)) return reference.substr(kPrefix.size());
  return reference;
}

}  // namespace

std::int64_t period_seconds(const Period& p) {
  if (p.end_ms == 0 || p.end_ms <= p.start_ms) return 0;
  return (p.end_ms - p.start_ms) / 1000;
}

bool observed_by_hub(const AttendanceEvent& e) {
  return e.mark == AttendanceMark::kRoomEnd && (e.dedupe_key.starts_with(kReconciledEndKeyPrefix) ||
                                                e.dedupe_key.starts_with(kEmptyRoomEndKeyPrefix));
}

std::string_view to_string(AttendanceMark m) {
  switch (m) {
    case AttendanceMark::kJoin: return "join";
    case AttendanceMark::kLeave: return "leave";
    case AttendanceMark::kRoomEnd: return "room_end";
  }
  return "join";
}

AttendanceStore::AttendanceStore(const records::CellCipher& cipher) : cipher_(cipher) {}

Result<bool> AttendanceStore::record(storage::Transaction& tx, const AttendanceEvent& event,
                                     std::int64_t now_ms) const {
  if (event.dedupe_key.empty() || event.consultation_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an attendance event needs a dedupe key and a consultation", false);
  }
  WASL_ASSIGN_OR_RETURN(bool exists, records::ConsultationStore::exists(tx, event.facility_id,
                                                                        event.consultation_id));
  if (!exists) {
    return Error(ErrorCode::kNotFound, "consultation " + event.consultation_id + " not found",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(std::string id, storage::new_row_id());
  const bool room_end = event.mark == AttendanceMark::kRoomEnd;
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec(
          "INSERT INTO attendance_events (id, facility_id, consultation_id, video_instance, "
          "room_id, mark, provider_participant_id, participant_id, role, occurred_at, "
          "dedupe_key, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
          "ON CONFLICT (facility_id, dedupe_key) DO NOTHING",
          {id, event.facility_id, event.consultation_id, event.video_instance, event.room_id,
           std::string(to_string(event.mark)),
           room_end ? std::string() : event.provider_participant_id,
           room_end || event.participant_id.empty() ? storage::null_value()
                                                    : storage::Value(event.participant_id),
           room_end ? std::string() : event.role,
           event.occurred_at_ms > 0 ? event.occurred_at_ms : now_ms, event.dedupe_key, now_ms}));
  return inserted > 0;
}

Result<bool> AttendanceStore::patient_joined(storage::Transaction& tx,
                                             const std::string& facility_id,
                                             const std::string& consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT 1 FROM attendance_events WHERE facility_id = $1 AND consultation_id = $2 "
               "AND mark = 'join' AND role = $3 LIMIT 1",
               {facility_id, consultation_id, std::string(kRolePatient)}));
  return !rows.empty();
}

Result<std::vector<AttendanceEvent>> AttendanceStore::events_of(
    storage::Transaction& tx, const std::string& facility_id,
    const std::string& consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kEventColumns) +
                   "WHERE facility_id = $1 AND consultation_id = $2 ORDER BY occurred_at, "
                   "recorded_at, id",
               {facility_id, consultation_id}));
  WASL_ASSIGN_OR_RETURN(std::vector<AttendanceEvent> events, events_of_rows(rows, facility_id));
  // One room end stands for the room's: the provider's when it reported one
  // (a hub-observed end then only repeats it), else the first the hub
  // observed.
  const bool reported = std::ranges::any_of(events, [](const AttendanceEvent& e) {
    return e.mark == AttendanceMark::kRoomEnd && !observed_by_hub(e);
  });
  bool kept_observed = false;
  std::erase_if(events, [&](const AttendanceEvent& e) {
    if (!observed_by_hub(e)) return false;
    if (reported || kept_observed) return true;
    kept_observed = true;
    return false;
  });
  return events;
}

Result<ConsultationAttendance> AttendanceStore::of_consultation(
    storage::Transaction& tx, const std::string& facility_id,
    const std::string& consultation_id) const {
  WASL_ASSIGN_OR_RETURN(auto events, events_of(tx, facility_id, consultation_id));
  WASL_ASSIGN_OR_RETURN(auto sessions,
                        records::ConsultationStore::sessions(tx, facility_id, {consultation_id}));
  std::optional<records::SessionFacts> session;
  if (auto it = sessions.find(consultation_id); it != sessions.end()) session = it->second;
  if (!session) return ConsultationAttendance{};
  ConsultationAttendance out = derive(events, room_end_of(events, session));
  out.video_instance = session->video_instance.value_or(std::string());
  out.video_room_id = session->video_room_id.value_or(std::string());
  WASL_ASSIGN_OR_RETURN(
      storage::Rows newest,
      tx.query("SELECT MAX(recorded_at) FROM attendance_events WHERE facility_id = $1 AND "
               "consultation_id = $2",
               {facility_id, consultation_id}));
  if (!newest.empty() && !newest[0].is_null(0)) {
    WASL_ASSIGN_OR_RETURN(out.last_recorded_at_ms, newest[0].get_int(0));
  }

  // A clinician's practitioner: the one its key named, else, for the
  // doctor, the consultation's.
  records::ParticipantStore participant_store(cipher_);
  WASL_ASSIGN_OR_RETURN(auto participants, participant_store.list(tx, facility_id, consultation_id,
                                                                  /*include_removed=*/true));
  std::map<std::string, const domain::Participant*> by_id;
  for (const auto& p : participants) by_id[p.id] = &p;
  for (ParticipantAttendance& a : out.participants) {
    if (a.role != kRoleClinician) continue;
    auto it = by_id.find(a.participant_id);
    if (it == by_id.end()) continue;
    const domain::Participant& p = *it->second;
    if (p.practitioner) {
      a.practitioner_id = practitioner_id(*p.practitioner);
    } else if (p.role == domain::ParticipantRole::kDoctor && session->practitioner_ref) {
      a.practitioner_id = practitioner_id(*session->practitioner_ref);
    }
  }
  return out;
}

Result<std::vector<AttendanceStore::UsageRow>> AttendanceStore::usage(
    storage::Transaction& tx, const std::string& facility_id, std::int64_t from_ms,
    std::int64_t to_ms, const std::vector<std::string>& group_by,
    const std::string& time_zone) const {
  bool by_facility = false, by_instance = false, by_practitioner = false, by_day = false;
  for (const std::string& g : group_by) {
    if (g == "facility") {
      by_facility = true;
    } else if (g == "instance") {
      by_instance = true;
    } else if (g == "practitioner") {
      by_practitioner = true;
    } else if (g == "day") {
      by_day = true;
    } else {
      return Error(ErrorCode::kInvalidArgument, "cannot group usage by '" + g + "'", false);
    }
  }
  if (by_day && !calendar::is_time_zone(time_zone)) {
    return Error(ErrorCode::kInvalidArgument, "unknown time zone '" + time_zone + "'", false);
  }
  std::vector<UsageRow> out;
  if (to_ms <= from_ms) return out;

  // A period starts at one of its participant's joins: the consultations
  // with a join in the window hold every period that starts in it.
  WASL_ASSIGN_OR_RETURN(
      storage::Rows joined,
      tx.query("SELECT DISTINCT consultation_id FROM attendance_events WHERE facility_id = $1 "
               "AND mark = 'join' AND occurred_at >= $2 AND occurred_at < $3",
               {facility_id, from_ms, to_ms}));
  std::vector<std::string> ids;
  for (const storage::Row& row : joined) {
    WASL_ASSIGN_OR_RETURN(std::string id, row.get_text(0));
    ids.push_back(std::move(id));
  }
  std::sort(ids.begin(), ids.end());
  WASL_ASSIGN_OR_RETURN(auto sessions, records::ConsultationStore::sessions(tx, facility_id, ids));

  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, UsageRow> groups;
  for (const auto& chunk : storage::chunks(ids)) {
    storage::Params params{facility_id};
    const std::string ids_in = storage::in_list(params, tx.dialect(), "consultation_id",
                                                {chunk.begin(), chunk.end()}, "TEXT");
    WASL_ASSIGN_OR_RETURN(
        storage::Rows rows,
        tx.query(std::string(kEventColumns) + "WHERE facility_id = $1 AND " + ids_in +
                     " ORDER BY consultation_id, occurred_at, recorded_at, id",
                 params));
    WASL_ASSIGN_OR_RETURN(auto events, events_of_rows(rows, facility_id));
    for (std::size_t begin = 0; begin < events.size();) {
      std::size_t end = begin;
      while (end < events.size() && events[end].consultation_id == events[begin].consultation_id) {
        ++end;
      }
      const std::vector<AttendanceEvent> one(events.begin() + static_cast<std::ptrdiff_t>(begin),
                                             events.begin() + static_cast<std::ptrdiff_t>(end));
      begin = end;
      std::optional<records::SessionFacts> session;
      if (auto it = sessions.find(one.front().consultation_id); it != sessions.end()) {
        session = it->second;
      }
      const std::string instance = session && session->video_instance ? *session->video_instance
                                                                      : one.front().video_instance;
      const std::string practitioner =
          session && session->practitioner_ref ? *session->practitioner_ref : std::string();
      const ConsultationAttendance attendance = derive(one, room_end_of(one, session));
      for (const ParticipantAttendance& a : attendance.participants) {
        for (const Period& p : a.periods) {
          if (p.end_ms == 0 || p.start_ms < from_ms || p.start_ms >= to_ms) continue;
          std::string day;
          if (by_day) {
            WASL_ASSIGN_OR_RETURN(auto civil, calendar::civil_time(p.start_ms, time_zone));
            day = calendar::iso_date(civil);
          }
          Key key{by_facility ? facility_id : "", by_instance ? instance : "",
                  by_practitioner ? practitioner : "", day};
          UsageRow& row = groups[key];
          row.facility_id = std::get<0>(key);
          row.instance = std::get<1>(key);
          row.practitioner_key = std::get<2>(key);
          row.day = std::get<3>(key);
          row.attendee_seconds += period_seconds(p);
          ++row.periods;
        }
      }
    }
  }
  out.reserve(groups.size());
  for (auto& [key, row] : groups) out.push_back(std::move(row));
  return out;
}

}  // namespace wasl::attendance
