// RejoinGuard on both stores: a removed participant's reconnection is
// disconnected again through video.remove_participant on the room's own
// instance and audited in the same transaction; everything else is left
// alone, and another facility's room is invisible.
#include "hub/consultations/rejoin_guard.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/consultation_store.hpp"
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
  workflow::RoleBindings pinned;
  std::string facility;
  std::string method;
  json input;
};

// Records every call; answers `answer` (ok when unset).
class RecordingInvoker final : public workflow::CapabilityInvoker {
 public:
  sdk::Result<json> invoke(const std::string& facility, const std::string& method,
                           const json& input, const std::string& key) override {
    return invoke_bound({}, facility, method, input, key);
  }
  sdk::Result<json> invoke_bound(const workflow::RoleBindings& pinned, const std::string& facility,
                                 const std::string& method, const json& input,
                                 const std::string&) override {
    std::lock_guard lock(mutex);
    calls.push_back({pinned, facility, method, input});
    if (answer) return *answer;
    return json::object();
  }
  std::mutex mutex;
  std::vector<Call> calls;
  std::optional<sdk::Error> answer;
};

class RejoinGuardTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    invoker_ = std::make_shared<RecordingInvoker>();
    guard_ = std::make_unique<RejoinGuard>(*cipher_, invoker_, audit_.get(), nullptr);
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
    return {facility, type, room,
            json{{"type", type}, {"room_id", room}, {"participant_id", participant}},
            std::string(kInstance) + "/" + facility + "/twilio:" + participant};
  }

  // act() in a transaction of its own, committed when it answered.
  sdk::Result<bool> act(const workflow::IncomingEvent& event,
                        const std::string& instance = kInstance) {
    auto tx = begin();
    auto acted = guard_->act(*tx, instance, event);
    EXPECT_OK(tx->commit());
    return acted;
  }

  std::int64_t evictions_audited() {
    return scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.evict'");
  }

  std::unique_ptr<audit::AuditWriter> audit_;
  std::shared_ptr<RecordingInvoker> invoker_;
  std::unique_ptr<RejoinGuard> guard_;
};

TEST_P(RejoinGuardTest, ARemovedParticipantThatConnectsIsDisconnectedAgainAndAudited) {
  auto acted = act(connected(kFacilityA, kRoom, "p-patient"));
  ASSERT_TRUE(acted.ok()) << acted.error().message;
  EXPECT_TRUE(*acted);
  ASSERT_EQ(invoker_->calls.size(), 1u);
  const Call& call = invoker_->calls[0];
  EXPECT_EQ(call.method, "video.remove_participant");
  EXPECT_EQ(call.facility, kFacilityA);
  // The room's own instance, whatever the facility is bound to now.
  EXPECT_EQ(call.pinned, (workflow::RoleBindings{{"video", kInstance}}));
  EXPECT_EQ(call.input.value("room_id", ""), kRoom);
  EXPECT_EQ(call.input.value("participant_id", ""), "p-patient");
  EXPECT_EQ(call.input.value("idempotency_key", ""), "evict:p-patient");
  EXPECT_EQ(evictions_audited(), 1);
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
  EXPECT_TRUE(invoker_->calls.empty());
  EXPECT_EQ(evictions_audited(), 0);
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
  ASSERT_EQ(invoker_->calls.size(), 1u);
  EXPECT_EQ(invoker_->calls[0].facility, kFacilityB);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.evict' AND "
                   "facility_id = 'fac-b'"),
            1);
}

TEST_P(RejoinGuardTest, AProviderFailureIsReturnedAndLeavesNoAuditEvent) {
  invoker_->answer = sdk::Error(sdk::ErrorCode::kUnavailable, "twilio is down", true);
  auto acted = act(connected(kFacilityA, kRoom, "p-patient"));
  ASSERT_FALSE(acted.ok());
  EXPECT_TRUE(acted.error().retryable);
  EXPECT_NE(acted.error().message.find("p-patient"), std::string::npos) << acted.error().message;
  EXPECT_NE(acted.error().message.find("twilio is down"), std::string::npos);
  EXPECT_EQ(evictions_audited(), 0);

  // Gone already at the provider counts as done.
  invoker_->answer = sdk::Error(sdk::ErrorCode::kNotFound, "no such participant", false);
  auto gone = act(connected(kFacilityA, kRoom, "p-patient"));
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_TRUE(*gone);
  EXPECT_EQ(evictions_audited(), 1);
}

WASL_RECORDS_INSTANTIATE(RejoinGuardTest);

}  // namespace
}  // namespace wasl::consultations::testing
