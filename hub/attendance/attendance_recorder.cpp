#include "hub/attendance/attendance_recorder.hpp"

#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/participant_store.hpp"
#include "hub/storage/savepoint.hpp"
#include "hub/storage/transaction_lock.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::attendance {
namespace {

using nlohmann::json;
using sdk::Result;
using sdk::Status;

std::string_view attendance_role(domain::ParticipantRole role) {
  if (role == domain::ParticipantRole::kPatient) return kRolePatient;
  if (domain::is_clinician(role)) return kRoleClinician;
  if (role == domain::ParticipantRole::kInterpreter) return kRoleInterpreter;
  return kRoleGuest;
}

std::optional<AttendanceMark> mark_of(const std::string& type) {
  if (type == "participant.connected") return AttendanceMark::kJoin;
  if (type == "participant.disconnected") return AttendanceMark::kLeave;
  if (type == "room.ended") return AttendanceMark::kRoomEnd;
  return std::nullopt;
}

}  // namespace

std::string patient_arrival_key(const std::string& facility_id,
                                const std::string& consultation_id) {
  return std::string(kPatientArrival) + "/" + facility_id + "/" + consultation_id;
}

AttendanceRecorder::AttendanceRecorder(const records::CellCipher& cipher, workflow::Engine* engine,
                                       observability::Metrics* metrics,
                                       EmptyRoomTimeout empty_room_timeout)
    : cipher_(cipher),
      engine_(engine),
      metrics_(metrics),
      empty_room_timeout_(std::move(empty_room_timeout)) {}

Result<bool> AttendanceRecorder::react(storage::Transaction& tx, const std::string& instance,
                                       const workflow::IncomingEvent& event) const {
  if (!mark_of(event.type)) return false;
  return storage::under_savepoint(tx, "attendance_record",
                                  [&] { return record(tx, instance, event); });
}

Result<bool> AttendanceRecorder::record(storage::Transaction& tx, const std::string& instance,
                                        const workflow::IncomingEvent& event) const {
  sdk::Event reported;  // the payload is the provider's event in its SDK form
  try {
    reported = event.payload.get<sdk::Event>();
  } catch (const json::exception&) {
    return false;
  }
  const AttendanceMark mark = *mark_of(event.type);
  if (reported.room_id.empty() || event.dedupe_key.empty()) return false;
  if (mark != AttendanceMark::kRoomEnd && reported.participant_id.empty()) return false;

  AttendanceEvent e;
  e.facility_id = event.facility_id;
  e.video_instance = instance;
  e.room_id = reported.room_id;
  e.mark = mark;
  e.occurred_at_ms = reported.occurred_at_ms;
  e.dedupe_key = event.dedupe_key;
  if (mark != AttendanceMark::kRoomEnd) {
    e.provider_participant_id = reported.participant_id;
    records::ParticipantStore participants(cipher_);
    WASL_ASSIGN_OR_RETURN(
        auto found, participants.find_in_room(tx, event.facility_id, instance, reported.room_id,
                                              reported.participant_id));
    if (found) {
      e.consultation_id = found->consultation_id;
      e.participant_id = found->id;
      e.role = std::string(attendance_role(found->role));
    } else {
      e.role = std::string(kRoleGuest);
    }
  }
  if (e.consultation_id.empty()) {
    WASL_ASSIGN_OR_RETURN(auto session, records::ConsultationStore::session_in_room(
                                            tx, event.facility_id, instance, reported.room_id));
    if (!session) return false;
    e.consultation_id = session->id;
  }

  // One consultation's events are recorded one transaction at a time, so
  // the seconds an event adds (after - before) are counted by one of them.
  WASL_RETURN_IF_ERROR(
      storage::lock_key(tx, "attendance/" + e.facility_id + "/" + e.consultation_id));
  AttendanceStore store(cipher_);
  const std::int64_t now = audit::now_epoch_ms();
  const bool first_patient_join = mark == AttendanceMark::kJoin && e.role == kRolePatient;
  bool patient_was_in = false;
  if (first_patient_join) {
    WASL_ASSIGN_OR_RETURN(patient_was_in,
                          store.patient_joined(tx, e.facility_id, e.consultation_id));
  }
  WASL_ASSIGN_OR_RETURN(ConsultationAttendance before,
                        store.of_consultation(tx, e.facility_id, e.consultation_id));
  WASL_ASSIGN_OR_RETURN(bool stored, store.record(tx, e, now));
  if (!stored) return true;  // a repeat: recorded before
  WASL_ASSIGN_OR_RETURN(ConsultationAttendance after,
                        store.of_consultation(tx, e.facility_id, e.consultation_id));

  if (first_patient_join && !patient_was_in && engine_ != nullptr) {
    sdk::Event arrival;
    arrival.type = kPatientArrival;
    arrival.resource_id = e.consultation_id;
    arrival.occurred_at_ms = e.occurred_at_ms > 0 ? e.occurred_at_ms : now;
    arrival.dedupe_key = patient_arrival_key(e.facility_id, e.consultation_id);
    arrival.payload = json{{"outcome", "joined"}, {"participant_id", e.participant_id}};
    workflow::IncomingEvent incoming{e.facility_id,  kPatientArrival,    e.consultation_id,
                                     json(arrival),  arrival.dedupe_key,
                                     /*inbox_id=*/""};
    WASL_ASSIGN_OR_RETURN(auto delivered, engine_->deliver_events(tx, {incoming}));
    for (auto& one : delivered) {
      if (!one.ok()) return std::move(one).error();
    }
  }

  // The last one in has left: the hub ends the room after the instance's
  // empty_room_timeout unless someone joins meanwhile (the task checks).
  if (mark == AttendanceMark::kLeave && empty_room_timeout_ && everyone_left(after)) {
    if (auto timeout = empty_room_timeout_(instance)) {
      WASL_RETURN_IF_ERROR(request_empty_room_end(tx, e.facility_id, e.consultation_id, instance,
                                                  e.room_id, *timeout, now));
    }
  }

  const std::int64_t added = after.attendee_seconds - before.attendee_seconds;
  if (added > 0) {
    const json payload = {
        {"facility_id", e.facility_id}, {"instance", instance}, {"seconds", added}};
    WASL_RETURN_IF_ERROR(jobs::JobQueue::request_task(
        tx, kCountTask, std::string(kCountTask) + "/" + e.facility_id + "/" + e.dedupe_key, payload,
        now, now));
  }
  return true;
}

Result<jobs::TaskSettlement> AttendanceRecorder::run(const jobs::Task& /*task*/) {
  return jobs::TaskSettlement();
}

Status AttendanceRecorder::give_up(storage::Transaction& /*tx*/, const jobs::Task& /*task*/,
                                   const sdk::Error& /*error*/) {
  return {};
}

void AttendanceRecorder::settled(const jobs::Task& task) {
  if (metrics_ == nullptr) return;
  const json& p = task.payload;
  if (!p.is_object() || !p.contains("seconds") || !p["seconds"].is_number_integer()) return;
  metrics_->counter_add(kSecondsMetric,
                        "Seconds participants spent in consultation rooms, counted once per "
                        "closed period when it is recorded, by facility and video instance",
                        {{"facility", sdk::string_member(p, "facility_id")},
                         {"instance", sdk::string_member(p, "instance")}},
                        static_cast<double>(p["seconds"].get<std::int64_t>()));
}

}  // namespace wasl::attendance
