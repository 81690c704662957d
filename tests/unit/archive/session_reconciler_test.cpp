// SessionReconciler on both backends against the real workflow Engine and
// the pattern_video plugin: a room the provider no longer has gets exactly
// one synthetic room.ended (shaped like the provider's event) that resumes
// the waiting run; an open room gets nothing; a later provider event is
// kept without harm; a room whose event already came is not polled.
// Both probes: get_room's status (an in-process double answering like
// Twilio, whose participant list outlives the room) and, when the plugin
// answers get_room with kUnimplemented across the real plugin boundary
// (pattern_video keeps the SDK default), list_participants. A room is asked
// of the instance its run kept from its start, not the current binding.
#include "hub/archive/session_reconciler.hpp"

#include <map>

#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/language/capabilities.hpp"
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

// A test double answering get_room from a table (room id → status, "" =
// kNotFound, "unavailable" = a retryable error) and, like Twilio, listing a
// connected participant for every room, ended or not. Counts both calls.
class RoomStatusVideo final : public sdk::VideoProvider {
 public:
  explicit RoomStatusVideo(std::map<std::string, std::string> statuses)
      : statuses_(std::move(statuses)) {}

  sdk::Result<sdk::Room> get_room(const sdk::RoomRef& room) override {
    ++get_room_calls;
    auto it = statuses_.find(room.room_id);
    if (it == statuses_.end() || it->second.empty()) {
      return sdk::Error(sdk::ErrorCode::kNotFound, "no room " + room.room_id, false);
    }
    if (it->second == "unavailable") {
      return sdk::Error(sdk::ErrorCode::kUnavailable, "the provider is down", true);
    }
    sdk::Room out;
    out.provider_room_id = room.room_id;
    out.status = it->second;
    return out;
  }
  sdk::Result<std::vector<sdk::Participant>> list_participants(const sdk::RoomRef&) override {
    ++list_participants_calls;
    sdk::Participant p;
    p.identity = "clinician-1";
    p.status = "connected";
    return std::vector<sdk::Participant>{p};
  }

  sdk::Result<sdk::Room> create_room(const sdk::CreateRoomRequest&) override { return no(); }
  sdk::Result<sdk::Room> end_room(const sdk::RoomRef&) override { return no(); }
  sdk::Result<sdk::JoinToken> issue_join_token(const sdk::JoinTokenRequest&) override {
    return no();
  }
  sdk::Status remove_participant(const sdk::ParticipantRef&) override { return no(); }
  sdk::Result<sdk::Recording> start_recording(const sdk::RoomRef&) override { return no(); }
  sdk::Status stop_recording(const sdk::RoomRef&) override { return no(); }
  sdk::Result<std::vector<sdk::Recording>> list_recordings(const sdk::RoomRef&) override {
    return no();
  }
  sdk::Result<sdk::Recording> request_composition(const sdk::CompositionRequest&) override {
    return no();
  }
  sdk::Result<sdk::MediaInfo> fetch_media(const sdk::MediaRef&, const sdk::ChunkSink&) override {
    return no();
  }

  int get_room_calls = 0;
  int list_participants_calls = 0;

 private:
  static sdk::Error no() {
    ADD_FAILURE() << "the reconciler only reads rooms";
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not in this double", false);
  }
  std::map<std::string, std::string> statuses_;
};

constexpr const char* kStatusInstance = "video.status";

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
    ASSERT_TRUE(workflow::add_builtin_hub_actions(actions_).ok());
    workflow::EngineOptions options;
    options.workers = 0;  // this test only starts runs and delivers events
    engine_ = std::make_unique<workflow::Engine>(
        *store_, *definitions_, std::make_shared<NoPluginCalls>(), actions_, metrics_, options);
  }
  void TearDown() override {
    engine_.reset();
    ArchiveFixture::TearDown();
  }

  void open_session(const std::string& id, const std::string& room, bool with_room_id = true,
                    const std::string& instance = "video.pattern") {
    add_consultation(kFacilityA, id);
    if (with_room_id) {
      exec_raw(
          "UPDATE consultations SET status = 'in_session', video_instance = $1, "
          "video_room_id = $2 WHERE id = $3",
          {instance, room, id});
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
    services.video =
        [this](const std::string& instance) -> sdk::Result<std::shared_ptr<sdk::VideoProvider>> {
      if (instance == kStatusInstance && status_video_) {
        return std::shared_ptr<sdk::VideoProvider>(status_video_);
      }
      return plugins_->video(instance);
    };
    services.video_bindings = {{kFacilityA, "video.pattern"}};
    services.deliver = [this](const std::string& /*instance*/, const std::string& facility,
                              const std::string& type, const std::string& correlation,
                              const json& payload, const std::string& dedupe_key) {
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
  std::shared_ptr<RoomStatusVideo> status_video_;
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
      session_reconciler_services_from(config_, *plugins_, *store_, *engine_, actions_);
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

// The synthetic end reaches the features' reactions to room.ended (the
// attendance recorder) in the delivering transaction, with the room's
// instance, once however often it is delivered.
TEST_P(SessionReconcilerTest, TheEndGoesToTheReactionsOnce) {
  open_session("c1", "room-ended");
  const std::string run = start_wait("c1", "room-ended");
  std::vector<std::pair<std::string, std::string>> reacted;  // instance, dedupe key
  ASSERT_OK(actions_.react(
      "room.ended",
      [&](storage::Transaction&, const std::string& instance,
          const workflow::IncomingEvent& event) -> sdk::Result<bool> {
        reacted.emplace_back(instance, event.dedupe_key);
        return true;
      },
      "test"));
  SessionReconciler reconciler(
      session_reconciler_services_from(config_, *plugins_, *store_, *engine_, actions_));
  auto first = reconciler.run_once();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->ended, 1);
  EXPECT_EQ(run_status(run), "running");
  ASSERT_EQ(reacted.size(), 1u);
  EXPECT_EQ(reacted[0].first, "video.pattern");
  EXPECT_EQ(reacted[0].second, reconcile_dedupe_key("room-ended"));

  // Delivered again (another hub's pass): a duplicate, not handed on.
  SessionReconcilerServices services =
      session_reconciler_services_from(config_, *plugins_, *store_, *engine_, actions_);
  auto again = services.deliver("video.pattern", kFacilityA, "room.ended", "room-ended",
                                json{{"type", "room.ended"}, {"room_id", "room-ended"}},
                                reconcile_dedupe_key("room-ended"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(reacted.size(), 1u);
}

TEST_P(SessionReconcilerTest, RoomStatusDecidesWhereTheProviderCanReadIt) {
  status_video_ = std::make_shared<RoomStatusVideo>(
      std::map<std::string, std::string>{{"rs-completed", "completed"},
                                         {"rs-failed", "failed"},
                                         {"rs-open", "in_progress"},
                                         {"rs-flaky", "unavailable"}});
  for (const char* room : {"rs-completed", "rs-failed", "rs-open", "rs-gone", "rs-flaky"}) {
    open_session(std::string("c-") + room, room, true, kStatusInstance);
  }
  const std::string completed_run = start_wait("c-rs-completed", "rs-completed");
  const std::string open_run = start_wait("c-rs-open", "rs-open");

  auto pass = reconciler().run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->sessions, 5);
  EXPECT_EQ(pass->ended, 3);  // completed, failed, unknown to the provider
  EXPECT_EQ(pass->open, 1);
  EXPECT_EQ(pass->errors, 1);  // the retryable error: asked again next pass
  EXPECT_EQ(status_video_->get_room_calls, 5);
  // The participant list (which still names someone) was never the judge.
  EXPECT_EQ(status_video_->list_participants_calls, 0);
  EXPECT_EQ(run_status(completed_run), "running");
  EXPECT_EQ(run_status(open_run), "waiting");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events WHERE correlation IN ('rs-open', "
                   "'rs-flaky')"),
            0);

  auto next = reconciler().run_once();
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->sessions, 2);  // the open room and the one that could not be read
  EXPECT_EQ(next->ended, 0);
}

TEST_P(SessionReconcilerTest, PluginWithoutGetRoomIsProbedByItsParticipants) {
  auto video = plugins_->video("video.pattern");
  ASSERT_TRUE(video.ok()) << video.error().message;
  // pattern_video keeps the SDK's default get_room: its glue answers so.
  auto room = (*video)->get_room(sdk::RoomRef{"", "room-ended"});
  ASSERT_FALSE(room.ok());
  EXPECT_EQ(room.error().code, sdk::ErrorCode::kUnimplemented);

  auto ended = probe_room(**video, "room-ended");
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(*ended, RoomState::kEnded);
  auto open = probe_room(**video, "room-open");
  ASSERT_TRUE(open.ok()) << open.error().message;
  EXPECT_EQ(*open, RoomState::kOpen);
  EXPECT_EQ(count_lines(calls_file_, "list_participants room-ended"), 1);
  EXPECT_EQ(count_lines(calls_file_, "list_participants room-open"), 1);

  // get_room alone does not decide for such a plugin.
  auto unread = probe_by_room_status(**video, "room-ended");
  ASSERT_FALSE(unread.ok());
  EXPECT_EQ(unread.error().code, sdk::ErrorCode::kUnimplemented);
}

TEST_P(SessionReconcilerTest, RoomIsAskedOfTheInstanceItsRunStartedWith) {
  // The facility's video role is bound to video.pattern now; these sessions'
  // runs started when it was bound to video.status, and their consultations
  // name no instance.
  status_video_ = std::make_shared<RoomStatusVideo>(std::map<std::string, std::string>{
      {"pin-run", "completed"}, {"pin-consultation", "completed"}});
  open_session("c-run", "pin-run", /*with_room_id=*/false);
  open_session("c-cons", "pin-consultation");
  exec_raw("UPDATE consultations SET video_instance = NULL WHERE id = 'c-cons'");
  const std::string run_only = start_wait("c-run", "pin-run");
  const std::string consultation_run = start_wait("c-cons", "pin-consultation");
  exec_raw("UPDATE workflow_runs SET bindings = $1", {std::string(R"({"video":"video.status"})")});

  auto pass = reconciler().run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->sessions, 2);
  EXPECT_EQ(pass->ended, 2);
  EXPECT_EQ(pass->errors, 0);
  EXPECT_EQ(status_video_->get_room_calls, 2);
  // The currently bound instance (which would list the rooms as open) was not asked.
  EXPECT_EQ(count_lines(calls_file_, "list_participants pin-run"), 0);
  EXPECT_EQ(count_lines(calls_file_, "list_participants pin-consultation"), 0);
  ASSERT_EQ(delivered_.size(), 2u);
  EXPECT_EQ(delivered_[0]["payload"]["instance"], kStatusInstance);
  EXPECT_EQ(run_status(run_only), "running");
  EXPECT_EQ(run_status(consultation_run), "running");
}

TEST_P(SessionReconcilerTest, RunWithUnreadableBindingsIsCountedAndNotProbed) {
  open_session("c-bad", "room-ended", /*with_room_id=*/false);
  const std::string run = start_wait("c-bad", "room-ended");
  exec_raw("UPDATE workflow_runs SET bindings = 'not json' WHERE id = $1", {run});
  auto pass = reconciler().run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->errors, 1);
  EXPECT_EQ(pass->ended, 0);
  EXPECT_EQ(count_lines(calls_file_, "list_participants room-ended"), 0);
  EXPECT_EQ(run_status(run), "waiting");
}

WASL_RECORDS_INSTANTIATE(SessionReconcilerTest);

}  // namespace
}  // namespace wasl::archive::testing
