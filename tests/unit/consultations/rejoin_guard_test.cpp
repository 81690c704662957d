// RejoinGuard on both stores: a removed participant's reconnection asks for
// its eviction task in the dispatch transaction, without calling the
// provider; the task, run by a real TaskRunner, disconnects it again through
// video.remove_participant on the room's own instance and audits it with
// the task's settlement; everything else is left alone, and another
// facility's room is invisible.
#include "hub/consultations/rejoin_guard.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/records/participant_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::consultations::testing {
namespace {

using nlohmann::json;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

constexpr const char* kInstance = "video.twilio-main";
constexpr const char* kRoom = "RM0123";

struct Call {
  std::string instance;
  sdk::ParticipantRef participant;
};

// A video provider test double: records the instance it was asked for and
// every remove_participant; answers `answer` (ok when unset). Nothing else
// is called.
class RecordingVideo final : public sdk::VideoProvider {
 public:
  sdk::Result<sdk::Room> create_room(const sdk::CreateRoomRequest&) override { return refuse(); }
  sdk::Result<sdk::Room> end_room(const sdk::RoomRef&) override { return refuse(); }
  sdk::Result<sdk::JoinToken> issue_join_token(const sdk::JoinTokenRequest&) override {
    return refuse();
  }
  sdk::Result<std::vector<sdk::Participant>> list_participants(const sdk::RoomRef&) override {
    return refuse();
  }
  sdk::Status remove_participant(const sdk::ParticipantRef& participant) override {
    std::lock_guard lock(mutex);
    calls.push_back({asked_for, participant});
    if (answer) return *answer;
    return {};
  }
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
  std::string asked_for;  // the instance of the last lookup
  std::vector<Call> calls;
  std::optional<sdk::Error> answer;

 private:
  static sdk::Error refuse() {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not part of this test", false);
  }
};

class RejoinGuardTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    video_ = std::make_shared<RecordingVideo>();
    guard_ = std::make_shared<RejoinGuard>(
        *cipher_,
        [this](const std::string& instance) -> sdk::Result<std::shared_ptr<sdk::VideoProvider>> {
          std::lock_guard lock(video_->mutex);
          video_->asked_for = instance;
          return std::shared_ptr<sdk::VideoProvider>(video_);
        },
        audit_.get(), nullptr);
    jobs::TaskRunnerOptions options;
    options.max_attempts = 2;
    tasks_ = std::make_unique<jobs::TaskRunner>(*store_, options);
    ASSERT_OK(tasks_->handle(kEvictionTask, guard_));
    add_consultation(kFacilityA, "c-a", kRoom);
    add_participant(kFacilityA, "c-a", "p-doctor", /*removed=*/false);
    add_participant(kFacilityA, "c-a", "p-patient", /*removed=*/true);
  }

  void add_consultation(const std::string& facility, const std::string& id,
                        const std::string& room) {
    domain::Consultation c = sample_consultation(facility, id);
    c.video_instance = kInstance;
    c.video_room_id = room;
    auto tx = begin();
    ASSERT_OK(records::ConsultationStore(*cipher_).insert(*tx, c));
    ASSERT_OK(tx->commit());
  }

  void add_participant(const std::string& facility, const std::string& consultation,
                       const std::string& id, bool removed) {
    records::ParticipantStore store(*cipher_);
    domain::Participant p;
    p.id = id;
    p.consultation_id = consultation;
    p.facility_id = facility;
    p.display_name = "name of " + id;
    p.created_at = 1;
    auto tx = begin();
    ASSERT_OK(store.insert(*tx, p));
    ASSERT_OK(store.set_token(*tx, facility, consultation, id, id, 2));
    if (removed) {
      ASSERT_TRUE(store.remove(*tx, facility, consultation, id, 3).ok());
    }
    ASSERT_OK(tx->commit());
  }

  static workflow::IncomingEvent connected(const std::string& facility, const std::string& room,
                                           const std::string& participant,
                                           const std::string& type = "participant.connected") {
    return {facility,
            type,
            room,
            json{{"type", type}, {"room_id", room}, {"participant_id", participant}},
            std::string(kInstance) + "/" + facility + "/twilio:" + participant,
            /*inbox_id=*/""};
  }

  // react() in a transaction of its own (the dispatcher's), committed when
  // it answered; then the task runner's passes until no task is due.
  sdk::Result<bool> act(const workflow::IncomingEvent& event,
                        const std::string& instance = kInstance) {
    auto tx = begin();
    auto acted = guard_->react(*tx, instance, event);
    EXPECT_OK(tx->commit());
    EXPECT_TRUE(video_->calls.size() == calls_before_)
        << "the reaction called the provider inside the dispatch transaction";
    while (true) {
      auto ran = tasks_->run_once();
      EXPECT_OK(ran);
      if (!ran.ok() || !*ran) break;
    }
    calls_before_ = video_->calls.size();
    return acted;
  }

  std::int64_t tasks_left() { return scalar("SELECT COUNT(*) FROM jobs"); }

  std::int64_t evictions_audited() {
    return scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.evict'");
  }

  std::unique_ptr<audit::AuditWriter> audit_;
  std::shared_ptr<RecordingVideo> video_;
  std::shared_ptr<RejoinGuard> guard_;
  std::unique_ptr<jobs::TaskRunner> tasks_;
  std::size_t calls_before_ = 0;
};

TEST_P(RejoinGuardTest, ARemovedParticipantThatConnectsIsDisconnectedAgainAndAudited) {
  auto acted = act(connected(kFacilityA, kRoom, "p-patient"));
  ASSERT_TRUE(acted.ok()) << acted.error().message;
  EXPECT_TRUE(*acted);
  ASSERT_EQ(video_->calls.size(), 1u);
  const Call& call = video_->calls[0];
  // The room's own instance, whatever the facility is bound to now.
  EXPECT_EQ(call.instance, kInstance);
  EXPECT_EQ(call.participant.room_id, kRoom);
  EXPECT_EQ(call.participant.participant_id, "p-patient");
  EXPECT_EQ(call.participant.idempotency_key, "evict:p-patient");
  EXPECT_EQ(evictions_audited(), 1);
  EXPECT_EQ(tasks_left(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.evict' AND "
                   "entity_id = 'p-patient' AND facility_id = 'fac-a' AND actor = 'system'"),
            1);
}

TEST_P(RejoinGuardTest, EverythingElseIsLeftAloneWithoutACall) {
  for (const auto& event : {connected(kFacilityA, kRoom, "p-doctor"),        // not removed
                            connected(kFacilityA, kRoom, "p-stranger"),      // unknown to the hub
                            connected(kFacilityA, "RM-other", "p-patient"),  // another room
                            connected(kFacilityA, kRoom, "p-patient", "participant.disconnected"),
                            connected(kFacilityB, kRoom, "p-patient")}) {  // another facility
    auto acted = act(event);
    ASSERT_TRUE(acted.ok()) << acted.error().message;
    EXPECT_FALSE(*acted) << event.payload.dump() << " in " << event.facility_id;
  }
  auto other_instance = act(connected(kFacilityA, kRoom, "p-patient"), "video.chime-main");
  ASSERT_TRUE(other_instance.ok());
  EXPECT_FALSE(*other_instance);
  EXPECT_TRUE(video_->calls.empty());
  EXPECT_EQ(evictions_audited(), 0);
  EXPECT_EQ(tasks_left(), 0);
}

TEST_P(RejoinGuardTest, AnotherFacilitysRemovedParticipantInARoomOfTheSameIdIsNotItsOwn) {
  // Facility B has its own consultation with a room of the same provider id
  // and its own removed participant: an event for B touches only B's.
  add_consultation(kFacilityB, "c-b", kRoom);
  add_participant(kFacilityB, "c-b", "p-b", /*removed=*/true);
  auto a = act(connected(kFacilityA, kRoom, "p-b"));
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(*a);
  auto b = act(connected(kFacilityB, kRoom, "p-b"));
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(*b);
  ASSERT_EQ(video_->calls.size(), 1u);
  EXPECT_EQ(video_->calls[0].participant.participant_id, "p-b");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.evict' AND "
                   "facility_id = 'fac-b'"),
            1);
}

// A retryable failure keeps the task, to be tried again after its backoff,
// with nothing audited; the last attempt's failure parks the event's inbox
// row, audited "webhook.parked", so the eviction still owed is not lost
// silently.
TEST_P(RejoinGuardTest, AProviderFailureIsRetriedThenParksTheEventAndAuditsNoEviction) {
  records::InboxEntry row;
  row.id = "in-1";
  row.instance = kInstance;
  row.dedupe_key = "twilio:p-patient";
  row.facility_id = kFacilityA;
  row.received_at = 1;
  row.body = "{}";
  {
    auto tx = begin();
    ASSERT_OK(records::InboxStore(*cipher_).insert(*tx, row));
    ASSERT_OK(tx->commit());
  }
  video_->answer = sdk::Error(sdk::ErrorCode::kUnavailable, "twilio is down", true);
  workflow::IncomingEvent event = connected(kFacilityA, kRoom, "p-patient");
  event.inbox_id = "in-1";
  auto acted = act(event);
  ASSERT_TRUE(acted.ok()) << acted.error().message;
  EXPECT_TRUE(*acted);
  ASSERT_EQ(video_->calls.size(), 1u);
  EXPECT_EQ(evictions_audited(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs WHERE last_error LIKE '%p-patient%twilio is down%'"),
            1);

  // Its second and last attempt (max_attempts 2), once due.
  exec_raw("UPDATE jobs SET run_at = 0", {});
  ASSERT_OK_AND_ASSIGN(bool ran, tasks_->run_once());
  EXPECT_TRUE(ran);
  EXPECT_EQ(video_->calls.size(), 2u);
  EXPECT_EQ(tasks_left(), 0);
  EXPECT_EQ(evictions_audited(), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox WHERE id = 'in-1' AND state = 'parked' AND "
                   "last_error LIKE '%twilio is down%'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.parked' AND "
                   "entity_id = 'in-1' AND facility_id = 'fac-a'"),
            1);
}

TEST_P(RejoinGuardTest, AParticipantAlreadyGoneAtTheProviderCountsAsEvicted) {
  video_->answer = sdk::Error(sdk::ErrorCode::kNotFound, "no such participant", false);
  auto gone = act(connected(kFacilityA, kRoom, "p-patient"));
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_TRUE(*gone);
  EXPECT_EQ(evictions_audited(), 1);
  EXPECT_EQ(tasks_left(), 0);
}

WASL_RECORDS_INSTANTIATE(RejoinGuardTest);

}  // namespace
}  // namespace wasl::consultations::testing
