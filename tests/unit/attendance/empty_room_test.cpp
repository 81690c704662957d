// The end of a room everyone has left (empty_room.hpp), on both backends:
// the recorder asks for the task only when a leave empties a room someone
// joined, on an instance whose empty rooms the hub ends; the task, run by a
// real TaskRunner against a recording video provider, ends the room once
// (another run finds its end recorded), leaves a room someone rejoined
// alone, and waits when the room has not been empty for the timeout yet.
#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hub/attendance/empty_room.hpp"
#include "tests/unit/attendance/attendance_fixture.hpp"

namespace wasl::attendance::testing {
namespace {

using domain::ParticipantRole;
using storage::Params;

// Records end_room; nothing else is part of these tests.
class EndingVideo final : public sdk::VideoProvider {
 public:
  sdk::Result<sdk::Room> create_room(const sdk::CreateRoomRequest&) override { return refuse(); }
  sdk::Result<sdk::Room> end_room(const sdk::RoomRef& room) override {
    std::lock_guard lock(mutex);
    ended.push_back(room);
    if (answer) return *answer;
    sdk::Room r;
    r.provider_room_id = room.room_id;
    r.status = "completed";
    return r;
  }
  sdk::Result<sdk::JoinToken> issue_join_token(const sdk::JoinTokenRequest&) override {
    return refuse();
  }
  sdk::Result<std::vector<sdk::Participant>> list_participants(const sdk::RoomRef&) override {
    return refuse();
  }
  sdk::Status remove_participant(const sdk::ParticipantRef&) override { return refuse(); }
  sdk::Result<sdk::Recording> start_recording(const sdk::RoomRef&) override { return refuse(); }
  sdk::Status stop_recording(const sdk::RoomRef&) override { return refuse(); }
  sdk::Result<std::vector<sdk::Recording>> list_recordings(const sdk::RoomRef&) override {
    return refuse();
  }
  sdk::Result<sdk::Recording> request_composition(const sdk::CompositionRequest&) override {
    return refuse();
  }
  sdk::Result<sdk::MediaInfo> fetch_media(const sdk::MediaRef&, const sdk::ChunkSink&) override {
    return refuse();
  }

  std::mutex mutex;
  std::vector<sdk::RoomRef> ended;
  std::optional<sdk::Error> answer;

 private:
  static sdk::Error refuse() {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not part of this test", false);
  }
};

class EmptyRoomTest : public AttendanceFixture {
 protected:
  void SetUp() override {
    AttendanceFixture::SetUp();
    if (HasFatalFailure()) return;
    add_consultation("f1", "c1", "RM1");
    add_participant("f1", "c1", "p-patient", ParticipantRole::kPatient, "att-patient");
    add_participant("f1", "c1", "p-doctor", ParticipantRole::kDoctor, "att-doctor");
    video_ = std::make_shared<EndingVideo>();
    // kInstance leaves its empty rooms open; any other instance ends them.
    EmptyRoomTimeout timeout_of =
        [this](const std::string& instance) -> std::optional<std::chrono::milliseconds> {
      if (instance != kInstance) return std::nullopt;
      return timeout_;
    };
    recorder_ = std::make_shared<AttendanceRecorder>(*cipher_, nullptr, &metrics_, timeout_of);
    closer_ = std::make_shared<EmptyRoomCloser>(
        *store_, *cipher_,
        [this](const std::string&) -> sdk::Result<std::shared_ptr<sdk::VideoProvider>> {
          return std::shared_ptr<sdk::VideoProvider>(video_);
        },
        timeout_of, nullptr);
    jobs::TaskRunnerOptions options;
    options.max_attempts = 2;
    tasks_ = std::make_unique<jobs::TaskRunner>(*store_, options);
    ASSERT_TRUE(tasks_->handle(kEmptyRoomTask, closer_).ok());
    ASSERT_TRUE(tasks_->handle(kCountTask, recorder_).ok());  // the leaves' seconds
  }

  // Runs every due task (the empty-room task and the counting tasks the
  // leaves asked for).
  void drain() {
    while (true) {
      auto once = tasks_->run_once();
      EXPECT_TRUE(once.ok()) << once.error().message;
      if (!once.ok() || !*once) return;
    }
  }

  std::int64_t tasks() {
    return count("SELECT COUNT(*) FROM jobs WHERE kind = $1", Params{std::string(kEmptyRoomTask)});
  }
  std::size_t ends() {
    std::lock_guard lock(video_->mutex);
    return video_->ended.size();
  }
  // Makes the empty-room task due now (its time is the leave's + timeout).
  void make_due() { exec("UPDATE jobs SET run_at = 0 WHERE kind = 'task.empty_room'"); }
  // Every event recorded a minute earlier than it was: the room has been
  // empty longer than a 1 ms timeout however soon the task runs (within
  // the same millisecond, it would rightly be given back).
  void recorded_a_minute_ago() {
    exec("UPDATE attendance_events SET recorded_at = recorded_at - 60000");
  }

  std::chrono::milliseconds timeout_{std::chrono::hours(1)};
  std::shared_ptr<EndingVideo> video_;
  std::shared_ptr<EmptyRoomCloser> closer_;
  std::unique_ptr<jobs::TaskRunner> tasks_;
};

TEST_P(EmptyRoomTest, OnlyALeaveThatEmptiesARoomSomeoneJoinedAsksForItsEnd) {
  EXPECT_TRUE(join("att-doctor", 1000, "d-j1"));
  EXPECT_TRUE(join("att-patient", 2000, "p-j1"));
  EXPECT_TRUE(leave("att-doctor", 3000, "d-l1"));
  EXPECT_EQ(tasks(), 0) << "the patient is still in";
  const std::int64_t before = audit::now_epoch_ms();
  EXPECT_TRUE(leave("att-patient", 4000, "p-l1"));
  ASSERT_EQ(tasks(), 1);
  auto rows = query("SELECT id, run_at FROM jobs WHERE kind = 'task.empty_room'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows[0].get_text(0), "task.empty_room/f1/c1");
  // Due the timeout after the leave was recorded (the hub's clock).
  EXPECT_GE(*rows[0].get_int(1), before + timeout_.count());
  EXPECT_LE(*rows[0].get_int(1), audit::now_epoch_ms() + timeout_.count());
  // Not due yet: it does not run, nothing is ended.
  drain();
  EXPECT_EQ(ends(), 0u);
  EXPECT_EQ(tasks(), 1);
}

TEST_P(EmptyRoomTest, ARoomNobodyJoinedOrOnAProviderThatEndsItIsNotAskedFor) {
  add_consultation("f1", "c2", "RM2");
  // A leave of someone the room never saw join leaves nothing open either.
  EXPECT_TRUE(leave("att-x", 1000, "x-l1", "f1", "RM2"));
  EXPECT_EQ(tasks(), 0);
  // An instance whose provider ends empty rooms: the recorder asks nothing.
  AttendanceRecorder other(*cipher_, nullptr, &metrics_,
                           [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(
      *react(event("f1", "participant.connected", "RM1", "att-doctor", 1000, "d-j1"), &other));
  ASSERT_TRUE(
      *react(event("f1", "participant.disconnected", "RM1", "att-doctor", 2000, "d-l1"), &other));
  EXPECT_EQ(tasks(), 0);
}

TEST_P(EmptyRoomTest, TheTaskEndsTheRoomOnceAndRecordsItsEnd) {
  timeout_ = std::chrono::milliseconds(1);
  EXPECT_TRUE(join("att-doctor", 1000, "d-j1"));
  EXPECT_TRUE(leave("att-doctor", 2000, "d-l1"));
  recorded_a_minute_ago();
  make_due();
  drain();
  ASSERT_EQ(ends(), 1u);
  EXPECT_EQ(video_->ended[0].room_id, "RM1");
  EXPECT_EQ(video_->ended[0].idempotency_key, "empty-room:c1");
  EXPECT_EQ(tasks(), 0);
  EXPECT_NE(attendance("f1", "c1").room_ended_at_ms, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events WHERE dedupe_key = "
                  "'hub.empty_room/c1'"),
            1);

  // A late leave asks again (another hub's dispatch, a repeat): the run
  // finds the end recorded and ends nothing more.
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        request_empty_room_end(**tx, "f1", "c1", kInstance, "RM1", std::chrono::milliseconds(0), 0)
            .ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  drain();
  EXPECT_EQ(ends(), 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM attendance_events WHERE dedupe_key = "
                  "'hub.empty_room/c1'"),
            1);
}

TEST_P(EmptyRoomTest, SomeoneBackInTheRoomKeepsItOpen) {
  timeout_ = std::chrono::milliseconds(1);
  EXPECT_TRUE(join("att-doctor", 1000, "d-j1"));
  EXPECT_TRUE(leave("att-doctor", 2000, "d-l1"));
  EXPECT_TRUE(join("att-doctor", 3000, "d-j2"));  // back before the task ran
  make_due();
  drain();
  EXPECT_EQ(ends(), 0u);
  EXPECT_EQ(tasks(), 0);
  EXPECT_EQ(attendance("f1", "c1").room_ended_at_ms, 0);
}

TEST_P(EmptyRoomTest, ARoomEmptyForLessThanTheTimeoutWaits) {
  EXPECT_TRUE(join("att-doctor", 1000, "d-j1"));
  EXPECT_TRUE(leave("att-doctor", 2000, "d-l1"));
  make_due();  // asked early (e.g. an earlier emptying kept its time)
  drain();
  EXPECT_EQ(ends(), 0u);
  // Given back, due when the room has been empty for the timeout.
  auto rows = query("SELECT run_at FROM jobs WHERE kind = 'task.empty_room'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GT(*rows[0].get_int(0), audit::now_epoch_ms() + timeout_.count() / 2);
}

TEST_P(EmptyRoomTest, AProviderFailureIsRetriedAndNotFoundCountsAsEnded) {
  timeout_ = std::chrono::milliseconds(1);
  EXPECT_TRUE(join("att-doctor", 1000, "d-j1"));
  EXPECT_TRUE(leave("att-doctor", 2000, "d-l1"));
  video_->answer = sdk::Error(sdk::ErrorCode::kUnavailable, "Janus is down", true);
  recorded_a_minute_ago();
  make_due();
  drain();
  EXPECT_EQ(ends(), 1u);
  EXPECT_EQ(tasks(), 1) << "kept for a retry";
  EXPECT_EQ(attendance("f1", "c1").room_ended_at_ms, 0);
  video_->answer = sdk::Error(sdk::ErrorCode::kNotFound, "no such room", false);
  make_due();
  drain();
  EXPECT_EQ(ends(), 2u);
  EXPECT_EQ(tasks(), 0);
  EXPECT_NE(attendance("f1", "c1").room_ended_at_ms, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, EmptyRoomTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return std::string(storage::to_string(info.param));
                         });

}  // namespace
}  // namespace wasl::attendance::testing
