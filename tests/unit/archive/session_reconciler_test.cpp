// SessionReconciler on both backends against the real workflow Engine and
// the pattern_video plugin: a room the provider no longer has gets exactly
// one synthetic room.ended (shaped like the provider's event) that resumes
// the waiting run; an open room gets nothing; a later provider event is
// kept without harm; a room whose event already came is not polled.
#include "hub/archive/session_reconciler.hpp"

#include "hub/workflow/capabilities.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "tests/unit/archive/archive_fixture.hpp"

namespace wasl::archive::testing {
namespace {

using nlohmann::json;

constexpr const char* kWaitRoom = R"(name: wait_room
version: 1
trigger:
  kind: api
steps:
  - id: ended
    wait_for: room.ended
    correlation: ${trigger.room}
    timeout: 1h
  - id: note
    call: hub.record_event
    with:
      type: session.over
)";

// The workflow below calls no plugin; any call is a test failure.
class NoPluginCalls final : public workflow::CapabilityInvoker {
 public:
  sdk::Result<json> invoke(const std::string&, const std::string& method, const json&,
                           const std::string&) override {
    ADD_FAILURE() << "unexpected plugin call " << method;
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "no plugins in this test", false);
  }
};

class SessionReconcilerTest : public ArchiveFixture {
 protected:
  void SetUp() override {
    ArchiveFixture::SetUp();
    if (HasFatalFailure()) return;
    load_plugins({{"ended_rooms", {"room-ended", "room-run-only", "room-early"}}});
    if (HasFatalFailure()) return;
    definitions_ = std::make_unique<workflow::DefinitionStore>(*store_);
    auto deployed = definitions_->deploy_source(kWaitRoom, "wait_room.yaml", "test");
    ASSERT_TRUE(deployed.ok()) << deployed.error().message;
    workflow::add_builtin_hub_actions(actions_);
    workflow::EngineOptions options;
    options.workers = 0;  // this test only starts runs and delivers events
    engine_ = std::make_unique<workflow::Engine>(
        *store_, *definitions_, std::make_shared<NoPluginCalls>(), actions_,
        metrics_, options);
  }
  void TearDown() override {
    engine_.reset();
    ArchiveFixture::TearDown();
  }

  void open_session(const std::string& id, const std::string& room, bool with_room_id = true) {
    add_consultation(kFacilityA, id);
    if (with_room_id) {
      exec_raw("UPDATE consultations SET status = 'in_session', video_instance = 'video.pattern', "
               "video_room_id = $1 WHERE id = $2",
               {room, id});
    }
  }

  std::string start_wait(const std::string& consultation, const std::string& room) {
    workflow::StartRunRequest r;
    r.workflow = "wait_room";
    r.facility_id = kFacilityA;
    r.consultation_id = consultation;
    r.trigger = {{"room", room}};
    auto run = engine_->start_run(r);
    EXPECT_TRUE(run.ok()) << run.error().message;
    return run.ok() ? *run : std::string();
  }

  std::string run_status(const std::string& run) {
    auto rows = query_raw("SELECT status FROM workflow_runs WHERE id = $1", {run});
    return rows.empty() ? "" : rows[0].get_text(0).value_or("");
  }

  SessionReconciler reconciler() {
    SessionReconcilerServices services;
    services.store = store_.get();
    services.video = [this](const std::string& instance) { return plugins_->video(instance); };
    services.video_bindings = {{kFacilityA, "video.pattern"}};
    services.deliver = [this](const std::string& facility, const std::string& type,
                              const std::string& correlation, const json& payload,
                              const std::string& dedupe_key) {
      delivered_.push_back(payload);
      return engine_->deliver_event(facility, type, correlation, payload, dedupe_key);
    };
    SessionReconcilerOptions options;
    options.clock = [this] { return clock(); };
    return SessionReconciler(services, options);
  }

  std::unique_ptr<workflow::DefinitionStore> definitions_;
  workflow::HubActions actions_;
  std::unique_ptr<workflow::Engine> engine_;
  std::vector<json> delivered_;
};

TEST_P(SessionReconcilerTest, EndedRoomGetsExactlyOneRoomEndedAndOpenRoomsNothing) {
  open_session("c1", "room-ended");
  open_session("c2", "room-open");
  open_session("c3", "room-run-only", /*with_room_id=*/false);
  const std::string run1 = start_wait("c1", "room-ended");
  const std::string run2 = start_wait("c2", "room-open");
  const std::string run3 = start_wait("c3", "room-run-only");
  ASSERT_EQ(run_status(run1), "waiting");

  auto first = reconciler().run_once();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->sessions, 3);  // room-ended found twice (consultation, run): polled once
  EXPECT_EQ(first->ended, 2);
  EXPECT_EQ(first->open, 1);
  EXPECT_EQ(first->errors, 0);
  EXPECT_EQ(count_lines(calls_file_, "list_participants room-ended"), 1);
  EXPECT_EQ(run_status(run1), "running");
  EXPECT_EQ(run_status(run3), "running");
  EXPECT_EQ(run_status(run2), "waiting");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events WHERE correlation = 'room-open'"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events WHERE dedupe_key = $1 AND run_id = $2",
                   {reconcile_dedupe_key("room-ended"), run1}),
            1);

  // The payload has exactly the members of the provider's normalized event.
  ASSERT_EQ(delivered_.size(), 2u);
  const json& event = delivered_[0];
  for (const auto& [key, sample] : workflow::event_output_sample().items()) {
    EXPECT_TRUE(event.contains(key)) << key;
  }
  EXPECT_EQ(event.size(), workflow::event_output_sample().size());
  EXPECT_EQ(event["type"], "room.ended");
  EXPECT_EQ(event["occurred_at_ms"], kT0);
  EXPECT_EQ(event["payload"]["source"], "reconciliation");

  // Later passes: the ended room is not polled or delivered again.
  auto second = reconciler().run_once();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->ended, 0);
  EXPECT_EQ(second->duplicates, 0);
  EXPECT_EQ(second->open, 1);
  EXPECT_EQ(count_lines(calls_file_, "list_participants room-ended"), 1);
  EXPECT_EQ(count_lines(calls_file_, "list_participants room-open"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events WHERE correlation = 'room-ended'"), 1);

  // The provider's own event arriving late is stored, matched to nothing.
  auto late = engine_->deliver_event(kFacilityA, "room.ended", "room-ended",
                                     json{{"type", "room.ended"}, {"room_id", "room-ended"}},
                                     "twilio:room-ended:room-ended");
  ASSERT_TRUE(late.ok()) << late.error().message;
  EXPECT_FALSE(late->duplicate);
  EXPECT_TRUE(late->matched_run.empty());
  EXPECT_EQ(run_status(run1), "running");
}

TEST_P(SessionReconcilerTest, ARoomWhoseEventAlreadyCameIsNotPolled) {
  open_session("c1", "room-early");
  auto provider = engine_->deliver_event(kFacilityA, "room.ended", "room-early",
                                         json{{"type", "room.ended"}, {"room_id", "room-early"}},
                                         "chime:evt-1");
  ASSERT_TRUE(provider.ok());
  auto pass = reconciler().run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->sessions, 0);
  EXPECT_EQ(count_lines(calls_file_, "list_participants room-early"), 0);
  EXPECT_TRUE(delivered_.empty());
}

TEST_P(SessionReconcilerTest, ADuplicateDeliveryFromAnotherProcessIsCountedNotRepeated) {
  open_session("c1", "room-ended");
  // Another hub process reconciling the same database delivers the same
  // synthetic event: a duplicate, one stored event.
  auto first = reconciler().run_once();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->ended, 1);
  auto again = engine_->deliver_event(kFacilityA, "room.ended", "room-ended", delivered_.at(0),
                                      reconcile_dedupe_key("room-ended"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events"), 1);
}

TEST_P(SessionReconcilerTest, PeriodicRunnerDeliversWithoutBeingCalled) {
  open_session("c1", "room-ended");
  const std::string run = start_wait("c1", "room-ended");
  SessionReconcilerServices services =
      session_reconciler_services_from(config_, *plugins_, *store_, *engine_);
  SessionReconcilerOptions options;
  options.interval = std::chrono::milliseconds(20);
  SessionReconciler running(services, options);
  ASSERT_OK(running.start());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (run_status(run) == "waiting" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  running.stop();
  EXPECT_EQ(run_status(run), "running");
}

WASL_RECORDS_INSTANTIATE(SessionReconcilerTest);

}  // namespace
}  // namespace wasl::archive::testing
