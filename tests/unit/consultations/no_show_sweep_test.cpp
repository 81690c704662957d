// The no-show check (hub/consultations/no_show_sweep.cpp) against a real
// store and engine, once on SQLite and once on PostgreSQL: a run waiting
// for patient.arrival gets "absent" once its facility's no_show_after has
// passed, once however many hubs check, never after the patient joined, and
// at the deadline a reschedule or a late room moved.
#include "hub/consultations/no_show_sweep.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "hub/records/consultation_store.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::consultations {
namespace {

using workflow::testing::EngineFixture;
using workflow::testing::eventually;

constexpr std::int64_t kStart = 1'800'000'000'000;  // the scheduled start
constexpr std::int64_t kMinute = 60'000;

// Waits for the patient, then records what she did.
constexpr const char* kArrivalWorkflow = R"(name: arrival
version: 1
trigger:
  kind: api
steps:
  - id: arrival
    wait_for: patient.arrival
    correlation: ${consultation.id}
    timeout: 1h
  - id: absent
    call: hub.set_status
    when: steps.arrival.output.payload.outcome == 'absent'
    with:
      status: no_show
  - id: joined
    call: hub.set_status
    when: steps.arrival.output.payload.outcome == 'joined'
    with:
      status: in_session
)";

class NoShowSweepTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    hub_config_.facilities["f1"].id = "f1";
    hub_config_.facilities["f1"].no_show_after = std::chrono::minutes(15);
    deploy(kArrivalWorkflow);
  }

  NoShowSweepOptions options() {
    NoShowSweepOptions o;
    o.clock = [this] {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_.load()));
    };
    return o;
  }

  // A consultation of `facility` scheduled at `scheduled` (0: none) whose
  // room was opened at `opened`, status waiting_room, with a run of
  // "arrival" when `with_run` (f1 only).
  std::string consultation(workflow::Engine& e, const std::string& id, std::int64_t scheduled,
                           std::int64_t opened, const std::string& facility = "f1",
                           bool with_run = true) {
    exec(
        "INSERT INTO consultations (id, facility_id, status, consultation_type, scheduled_at, "
        "created_at, updated_at) VALUES ($1, $2, 'scheduled', 'doctor_patient', $3, 0, 0)",
        {id, facility, scheduled == 0 ? storage::null_value() : storage::Value(scheduled)});
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    EXPECT_TRUE(
        records::ConsultationStore::set_room(**tx, facility, id, "video.v", "RM-" + id, opened)
            .ok());
    EXPECT_TRUE(records::ConsultationStore::update_status(
                    **tx, facility, id, domain::ConsultationStatus::kWaitingRoom, opened)
                    .ok());
    EXPECT_TRUE((*tx)->commit().ok());
    if (facility != "f1" || !with_run) return "";
    return start(e, "arrival", {}, id);
  }

  std::string status_of(const std::string& id) {
    auto rows = query("SELECT status FROM consultations WHERE id = $1", {id});
    return rows.empty() ? "" : *rows[0].get_text(0);
  }

  bool becomes(const std::string& id, const std::string& status) {
    return eventually([&] { return status_of(id) == status; }, std::chrono::seconds(10));
  }

  // The patient.arrival "joined" the attendance feature delivers.
  void joined(workflow::Engine& e, const std::string& id) {
    sdk::Event event;
    event.type = kPatientArrival;
    event.resource_id = id;
    event.occurred_at_ms = kStart;
    event.dedupe_key = patient_arrival_dedupe_key("f1", id);
    event.payload = {{"outcome", "joined"}, {"participant_id", "p-1"}};
    auto delivered =
        e.deliver_event("f1", kPatientArrival, id, nlohmann::json(event), event.dedupe_key);
    ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  }

  std::atomic<std::int64_t> now_{kStart};
};

TEST_P(NoShowSweepTest, AbsentOnceAtTheDeadlineHoweverManyHubsCheck) {
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  const std::string run = consultation(e, "c1", kStart, kStart - 10 * kMinute);
  NoShowSweep first(*store_, hub_config_, e, &metrics_, options());
  NoShowSweep second(*store_, hub_config_, e, nullptr, options());

  now_ = kStart + 15 * kMinute - 1;
  NoShowPass early = first.run_once();
  EXPECT_EQ(early.due, 0);
  EXPECT_EQ(status_of("c1"), "waiting_room");

  now_ = kStart + 15 * kMinute;
  NoShowPass pass = first.run_once();
  EXPECT_EQ(pass.due, 1);
  EXPECT_EQ(pass.absent, 1);
  EXPECT_EQ(pass.errors, 0);
  ASSERT_TRUE(becomes("c1", "no_show")) << status_of("c1");
  auto timeline = wait_status(e, run);
  EXPECT_EQ(timeline.status, "succeeded");
  EXPECT_EQ(attempt_list(timeline),
            (std::vector<std::string>{"arrival:succeeded", "absent:succeeded", "joined:skipped"}));

  // Settled: neither this hub nor another delivers it again.
  EXPECT_EQ(first.run_once().due, 0);
  EXPECT_EQ(second.run_once().due, 0);
  auto events = query("SELECT COUNT(*) FROM workflow_events WHERE dedupe_key = $1",
                      {patient_arrival_dedupe_key("f1", "c1")});
  EXPECT_EQ(*events[0].get_int(0), 1);
  auto stored = query("SELECT arrival_settled_at FROM consultations WHERE id = 'c1'");
  EXPECT_EQ(*stored[0].get_int(0), kStart + 15 * kMinute);
}

// Two hubs that both found the consultation due deliver one verdict: the
// second is a duplicate, and both settle it.
TEST_P(NoShowSweepTest, TwoHubsDeliveringTogetherStoreOneVerdict) {
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  consultation(e, "c1", kStart, kStart);
  consultation(e, "c2", kStart, kStart);
  now_ = kStart + 16 * kMinute;
  NoShowSweep a(*store_, hub_config_, e, nullptr, options());
  NoShowSweep b(*store_, hub_config_, e, nullptr, options());
  NoShowPass pa;
  NoShowPass pb;
  std::thread other([&] { pb = b.run_once(); });
  pa = a.run_once();
  other.join();
  EXPECT_EQ(pa.absent + pb.absent, 2);
  EXPECT_EQ(pa.errors + pb.errors, 0);
  ASSERT_TRUE(becomes("c1", "no_show"));
  ASSERT_TRUE(becomes("c2", "no_show"));
  auto events = query("SELECT COUNT(*) FROM workflow_events WHERE type = 'patient.arrival'");
  EXPECT_EQ(*events[0].get_int(0), 2);
}

// The patient joined before the deadline: the verdict is a duplicate of
// her "joined", the run goes on as joined, and the consultation is settled.
TEST_P(NoShowSweepTest, AJoinBeforeTheDeadlineWins) {
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  consultation(e, "c1", kStart, kStart);
  joined(e, "c1");
  ASSERT_TRUE(becomes("c1", "in_session")) << status_of("c1");
  // in_session is no longer a waiting room: nothing is due.
  now_ = kStart + 30 * kMinute;
  NoShowSweep sweep(*store_, hub_config_, e, nullptr, options());
  EXPECT_EQ(sweep.run_once().due, 0);

  // Still in the waiting room when the deadline comes (its run has not
  // moved it yet; here it has none): the verdict is a duplicate of the
  // join and changes nothing.
  consultation(e, "c2", kStart, kStart, "f1", /*with_run=*/false);
  joined(e, "c2");
  NoShowPass pass = sweep.run_once();
  EXPECT_EQ(pass.due, 1);
  EXPECT_EQ(pass.absent, 0);
  EXPECT_EQ(pass.duplicates, 1);
  EXPECT_EQ(sweep.run_once().due, 0);
  EXPECT_EQ(status_of("c2"), "waiting_room");
}

// The deadline is read anew each pass: an EHR reschedule moves it; a room
// opened after the start counts from its opening; without a start, from
// the room.
TEST_P(NoShowSweepTest, TheDeadlineFollowsTheStartAndALateRoom) {
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  consultation(e, "moved", kStart, kStart - kMinute);
  consultation(e, "late-room", kStart, kStart + 20 * kMinute);
  consultation(e, "unscheduled", 0, kStart + 5 * kMinute);
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(records::ConsultationStore::set_scheduled_at(**tx, "f1", "moved",
                                                             kStart + 60 * kMinute, kStart)
                    .ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  NoShowSweep sweep(*store_, hub_config_, e, nullptr, options());
  now_ = kStart + 20 * kMinute;
  EXPECT_EQ(sweep.run_once().absent, 1);  // unscheduled: 5 + 15
  ASSERT_TRUE(becomes("unscheduled", "no_show"));
  now_ = kStart + 35 * kMinute - 1;
  EXPECT_EQ(sweep.run_once().due, 0);
  now_ = kStart + 35 * kMinute;
  EXPECT_EQ(sweep.run_once().absent, 1);  // late-room: 20 + 15
  ASSERT_TRUE(becomes("late-room", "no_show"));
  now_ = kStart + 75 * kMinute - 1;
  EXPECT_EQ(sweep.run_once().due, 0);
  now_ = kStart + 75 * kMinute;
  EXPECT_EQ(sweep.run_once().absent, 1);  // moved: 60 + 15
  ASSERT_TRUE(becomes("moved", "no_show"));
}

// Each facility's own no_show_after; a facility is checked only for its
// own consultations, and only those in a waiting room with a room.
TEST_P(NoShowSweepTest, EachFacilityItsOwnDelayAndOnlyOpenWaitingRooms) {
  exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
  hub_config_.facilities["f2"].id = "f2";
  hub_config_.facilities["f2"].no_show_after = std::chrono::minutes(5);
  auto& e = engine();
  ASSERT_TRUE(e.start().ok());
  consultation(e, "a", kStart, kStart);
  consultation(e, "b", kStart, kStart, "f2");
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, scheduled_at, "
      "created_at, updated_at) VALUES ('no-room', 'f1', 'waiting_room', 'doctor_patient', $1, "
      "0, 0), ('ended', 'f1', 'ended', 'doctor_patient', $1, 0, 0)",
      {kStart});
  NoShowSweep sweep(*store_, hub_config_, e, nullptr, options());
  now_ = kStart + 6 * kMinute;
  NoShowPass pass = sweep.run_once();
  EXPECT_EQ(pass.due, 1);  // f2's consultation, past its 5 minutes
  auto f2 = query("SELECT facility_id FROM workflow_events WHERE type = 'patient.arrival'");
  ASSERT_EQ(f2.size(), 1u);
  EXPECT_EQ(*f2[0].get_text(0), "f2");
  now_ = kStart + 15 * kMinute;
  EXPECT_EQ(sweep.run_once().due, 1);
  ASSERT_TRUE(becomes("a", "no_show"));
  EXPECT_EQ(status_of("no-room"), "waiting_room");
  EXPECT_EQ(sweep.run_once().due, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, NoShowSweepTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::consultations
