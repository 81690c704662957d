// AttendanceFixture: the engine's test database on one backend (facility
// f1, and f2 beside it) with consultations in video rooms and their
// participants, an AttendanceRecorder reacting as the webhook dispatcher
// calls it, and helpers that deliver a provider's join, leave or room end.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/attendance/attendance.hpp"
#include "hub/attendance/attendance_recorder.hpp"
#include "hub/attendance/attendance_store.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/participant_store.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::attendance::testing {

inline constexpr const char* kInstance = "video.main";

class AttendanceFixture : public workflow::testing::EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
    recorder_ = std::make_shared<AttendanceRecorder>(*cipher_, nullptr, &metrics_);
  }

  // A consultation of `facility` in room `room` of kInstance.
  void add_consultation(const std::string& facility, const std::string& id, const std::string& room,
                        const std::string& practitioner = "Practitioner/3") {
    exec(
        "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
        "updated_at, video_instance, video_room_id, practitioner_ref) VALUES ($1, $2, "
        "'waiting_room', 'standard', 0, 0, $3, $4, $5)",
        {id, facility, std::string(kInstance), room,
         practitioner.empty() ? storage::null_value() : storage::Value(practitioner)});
  }

  // A participant the provider knows as `provider_id`.
  void add_participant(const std::string& facility, const std::string& consultation,
                       const std::string& id, domain::ParticipantRole role,
                       const std::string& provider_id,
                       std::optional<std::string> practitioner = std::nullopt) {
    records::ParticipantStore store(*cipher_);
    domain::Participant p;
    p.id = id;
    p.consultation_id = consultation;
    p.facility_id = facility;
    p.role = role;
    p.display_name = "name of " + id;
    p.created_at = 1;
    p.practitioner = std::move(practitioner);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(store.insert(**tx, p).ok());
    ASSERT_TRUE(store.set_token(**tx, facility, consultation, id, provider_id, 2).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  // The event as the dispatcher hands it to the reaction: its JSON form
  // (sdk::Event) and the dispatcher's dedupe key.
  static workflow::IncomingEvent event(const std::string& facility, const std::string& type,
                                       const std::string& room, const std::string& provider_id,
                                       std::int64_t at_ms, const std::string& key) {
    nlohmann::json payload = {{"type", type}, {"room_id", room}, {"occurred_at_ms", at_ms}};
    if (!provider_id.empty()) payload["participant_id"] = provider_id;
    return {
        facility,       type, room, payload, std::string(kInstance) + "/" + facility + "/" + key,
        /*inbox_id=*/""};
  }

  // Runs the reaction in a transaction of its own, committed when it
  // answered; the answer.
  sdk::Result<bool> react(const workflow::IncomingEvent& e,
                          const AttendanceRecorder* recorder = nullptr) {
    auto tx = store_->begin();
    if (!tx.ok()) return std::move(tx).error();
    auto taken = (recorder ? *recorder : *recorder_).react(**tx, kInstance, e);
    if (!taken.ok()) return taken;
    WASL_RETURN_IF_ERROR((*tx)->commit());
    return taken;
  }

  bool join(const std::string& provider_id, std::int64_t at_ms, const std::string& key,
            const std::string& facility = "f1", const std::string& room = "RM1") {
    auto taken = react(event(facility, "participant.connected", room, provider_id, at_ms, key));
    EXPECT_TRUE(taken.ok()) << taken.error().message;
    return taken.ok() && *taken;
  }
  bool leave(const std::string& provider_id, std::int64_t at_ms, const std::string& key,
             const std::string& facility = "f1", const std::string& room = "RM1") {
    auto taken = react(event(facility, "participant.disconnected", room, provider_id, at_ms, key));
    EXPECT_TRUE(taken.ok()) << taken.error().message;
    return taken.ok() && *taken;
  }
  bool room_end(std::int64_t at_ms, const std::string& key, const std::string& facility = "f1",
                const std::string& room = "RM1") {
    auto taken = react(event(facility, "room.ended", room, "", at_ms, key));
    EXPECT_TRUE(taken.ok()) << taken.error().message;
    return taken.ok() && *taken;
  }

  // A room end the hub observed: `dedupe_key` as it is, without the
  // instance and facility a provider's event is keyed by.
  bool observed_end(std::int64_t at_ms, const std::string& dedupe_key) {
    workflow::IncomingEvent e = event("f1", "room.ended", "RM1", "", at_ms, "");
    e.dedupe_key = dedupe_key;
    auto taken = react(e);
    EXPECT_TRUE(taken.ok()) << taken.error().message;
    return taken.ok() && *taken;
  }

  // The times of the room ends the consultation's timeline lists.
  std::vector<std::int64_t> listed_room_ends(const std::string& id) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto events = AttendanceStore(*cipher_).events_of(**tx, "f1", id);
    EXPECT_TRUE(events.ok()) << events.error().message;
    std::vector<std::int64_t> ends;
    for (const AttendanceEvent& e : events.ok() ? *events : std::vector<AttendanceEvent>{}) {
      if (e.mark == AttendanceMark::kRoomEnd) ends.push_back(e.occurred_at_ms);
    }
    return ends;
  }

  ConsultationAttendance attendance(const std::string& facility, const std::string& id) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto found = AttendanceStore(*cipher_).of_consultation(**tx, facility, id);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : ConsultationAttendance{};
  }

  std::int64_t count(const std::string& sql, const storage::Params& params = {}) {
    auto rows = query(sql, params);
    return rows.empty() ? -1 : rows[0].get_int(0).value_or(-1);
  }

  std::shared_ptr<AttendanceRecorder> recorder_;
};

}  // namespace wasl::attendance::testing
