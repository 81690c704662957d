// The resource guard (hub/workflow/resource_guard.hpp) through the engine:
// two facilities share the video and EHR instances; what facility f1's runs
// created or learned is f1's, and a step of facility f2 that names it is
// refused before any call, with a permanent error and an "access.denied"
// audit event, while f1's resources stay as they were.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using nlohmann::json;
using storage::Dialect;

// f1's consultation: opens a room, then records it on its consultation.
constexpr const char* kOpener = R"(name: opener
version: 1
trigger:
  kind: api
steps:
  - id: appointment
    call: ehr.read_appointment
    with:
      id: ${trigger.appointment_id}
  - id: room
    call: video.create_room
    with:
      name: ${trigger.room}
  - id: composition
    call: video.request_composition
    with:
      room_id: ${steps.room.output.provider_room_id}
  - id: waiting
    call: hub.set_status
    with:
      status: waiting_room
      room_id: ${steps.room.output.provider_room_id}
)";

// One step whose input the trigger gives whole: what another facility's
// integrator can deploy.
std::string one_step(const std::string& name, const std::string& call,
                     const std::string& extra = "") {
  return "name: " + name +
         "\nversion: 1\ntrigger:\n  kind: api\nsteps:\n  - id: probe\n    call: " + call +
         "\n    with: ${trigger.input}\n" + extra;
}

class ResourceGuardTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
    for (const char* c : {"c1:f1", "c2:f2"}) {
      std::string spec(c);
      exec(
          "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
          "updated_at) VALUES ($1, $2, 'scheduled', 'standard', 0, 0)",
          {spec.substr(0, 2), spec.substr(3)});
    }
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), std::string(32, 'a'));
    engines_.push_back(std::make_unique<Engine>(*store_, *definitions_, invoker_, actions_,
                                                metrics_, fast_options(), nullptr, audit_.get()));
    engine_ = engines_.back().get();
  }

  std::string start_in(const std::string& facility, const std::string& workflow, json trigger,
                       const std::string& consultation) {
    StartRunRequest r;
    r.workflow = workflow;
    r.facility_id = facility;
    r.consultation_id = consultation;
    r.trigger = std::move(trigger);
    auto id = engine_->start_run(r);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : "";
  }

  // f1's run: room "RM-a-room", its composition, appointment A1 and its
  // patient pat-A1, all f1's.
  void open_f1_room() {
    deploy(kOpener);
    std::string run =
        start_in("f1", "opener", {{"appointment_id", "A1"}, {"room", "a-room"}}, "c1");
    auto t = wait_status(*engine_, run);
    ASSERT_EQ(t.status, "succeeded") << t.error;
  }

  // The attempts of `run`'s step "probe".
  std::vector<StepAttempt> probe_attempts(const std::string& run) {
    auto t = wait_status(*engine_, run);
    std::vector<StepAttempt> out;
    for (const auto& a : t.attempts) {
      if (a.step_id == "probe") out.push_back(a);
    }
    return out;
  }

  storage::Rows denials() {
    return query(
        "SELECT facility_id, entity_type, entity_id, outcome, detail FROM audit_events "
        "WHERE action = 'access.denied' ORDER BY seq");
  }

  std::unique_ptr<audit::AuditWriter> audit_;
  Engine* engine_ = nullptr;
};

// The attack of issue 36: facility f2's workflow asks for a join token into
// f1's room.
TEST_P(ResourceGuardTest, AnotherFacilitysRoomIsRefusedAndAudited) {
  ASSERT_TRUE(engine_->start().ok());
  open_f1_room();
  deploy(one_step("intruder", "video.issue_join_token"));
  std::string run = start_in(
      "f2", "intruder",
      {{"input", {{"room_id", "RM-a-room"}, {"identity", "x"}, {"role", "clinician"}}}}, "c2");
  auto t = wait_status(*engine_, run);
  EXPECT_EQ(t.status, "failed");
  auto attempts = probe_attempts(run);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, "failed");
  EXPECT_EQ(attempts[0].error_code, "permission_denied");
  EXPECT_EQ(attempts[0].error_message.find("RM-a-room"), std::string::npos)
      << "the step's error names another facility's id: " << attempts[0].error_message;
  EXPECT_TRUE(invoker_->calls_of("video.issue_join_token").empty())
      << "the plugin was asked for a token into another facility's room";

  auto denied = denials();
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].get_text(0).value_or(""), "f2");
  EXPECT_EQ(denied[0].get_text(1).value_or(""), "workflow_step");
  EXPECT_EQ(denied[0].get_text(3).value_or(""), "denied");
  json detail = json::parse(denied[0].get_text(4).value_or("{}"));
  EXPECT_EQ(detail["run_id"], run);
  EXPECT_EQ(detail["call"], "video.issue_join_token");
  EXPECT_EQ(detail["member"], "room_id");
  EXPECT_EQ(detail["kind"], "room");
  EXPECT_EQ(detail["recorded"], "other_facility");

  // f1's room stays f1's alone, and f1's consultation keeps it.
  auto owners = query(
      "SELECT facility_id FROM provider_resources WHERE resource_id = 'RM-a-room' AND kind = "
      "'room'");
  ASSERT_EQ(owners.size(), 1u);
  EXPECT_EQ(owners[0].get_text(0).value_or(""), "f1");
  auto rooms = query("SELECT id, video_room_id FROM consultations ORDER BY id");
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].get_text(1).value_or(""), "RM-a-room");
  EXPECT_TRUE(rooms[1].is_null(1));
}

// hub.set_status binding f1's room to f2's consultation would let f2's
// participants route issue tokens for it: refused before the action runs.
TEST_P(ResourceGuardTest, BindingAnotherFacilitysRoomToAConsultationIsRefused) {
  ASSERT_TRUE(engine_->start().ok());
  open_f1_room();
  deploy(one_step("binder", "hub.set_status"));
  std::string run = start_in(
      "f2", "binder", {{"input", {{"status", "waiting_room"}, {"room_id", "RM-a-room"}}}}, "c2");
  auto attempts = probe_attempts(run);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].error_code, "permission_denied");
  auto c2 = query("SELECT status, video_room_id FROM consultations WHERE id = 'c2'");
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0].get_text(0).value_or(""), "scheduled");
  EXPECT_TRUE(c2[0].is_null(1));
  EXPECT_EQ(denials().size(), 1u);
}

// hub.archive_recording with f1's composition, or with any s3:// object no
// run of f2 learned, never reaches the action (which would fetch the media
// and have the provider delete its copy); a retry policy that names the
// error does not make it retried.
TEST_P(ResourceGuardTest, ArchivingMediaTheFacilityDoesNotOwnIsRefused) {
  std::atomic<int> archived{0};
  ASSERT_TRUE(actions_
                  .add("hub.archive_recording", HubActionMode::kStandalone,
                       [&](const HubActionContext&, const json&) -> sdk::Result<json> {
                         ++archived;
                         return json{{"archive_id", "r1"}};
                       })
                  .ok());
  ASSERT_TRUE(engine_->start().ok());
  open_f1_room();
  auto media = query("SELECT resource_id FROM provider_resources WHERE kind = 'media'");
  ASSERT_EQ(media.size(), 1u) << "the composition of f1's room was not recorded";
  std::string f1_media = media[0].get_text(0).value_or("");
  ASSERT_FALSE(f1_media.empty());

  deploy(one_step("archiver", "hub.archive_recording",
                  "    retry:\n      max_attempts: 3\n      initial_delay: 1ms\n"
                  "      on: [permission_denied]\n"));
  for (const std::string& id : {f1_media, std::string("s3://hospital-a-bucket/any/object.mp4")}) {
    std::string run = start_in("f2", "archiver", {{"input", {{"media_id", id}}}}, "c2");
    auto attempts = probe_attempts(run);
    ASSERT_EQ(attempts.size(), 1u) << id << ": a refusal was retried";
    EXPECT_EQ(attempts[0].error_code, "permission_denied") << id;
  }
  EXPECT_EQ(archived.load(), 0);
  auto denied = denials();
  ASSERT_EQ(denied.size(), 2u);
  EXPECT_EQ(json::parse(denied[0].get_text(4).value_or("{}"))["recorded"], "other_facility");
  EXPECT_EQ(json::parse(denied[1].get_text(4).value_or("{}"))["recorded"], "none");
  EXPECT_EQ(json::parse(denied[1].get_text(4).value_or("{}"))["kind"], "media");

  // f1's own run may archive its own composition.
  std::string own = start_in("f1", "archiver", {{"input", {{"media_id", f1_media}}}}, "c1");
  auto attempts = probe_attempts(own);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, "succeeded") << attempts[0].error_message;
  EXPECT_EQ(archived.load(), 1);
}

// EHR resources: a patient f1's run learned is refused to f2 unless f2
// learned it too (its own appointment names the same patient); one nobody
// recorded is read, and is f2's from then on.
TEST_P(ResourceGuardTest, EhrResourcesLearnedByAnotherFacilityAreRefused) {
  ASSERT_TRUE(engine_->start().ok());
  open_f1_room();
  deploy(one_step("reader", "ehr.read_patient"));
  std::string refused = start_in("f2", "reader", {{"input", {{"id", "pat-A1"}}}}, "c2");
  auto attempts = probe_attempts(refused);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].error_code, "permission_denied");
  EXPECT_TRUE(invoker_->calls_of("ehr.read_patient").empty());

  std::string fresh = start_in("f2", "reader", {{"input", {{"id", "pat-B7"}}}}, "c2");
  attempts = probe_attempts(fresh);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, "succeeded") << attempts[0].error_message;
  auto owners = query(
      "SELECT facility_id FROM provider_resources WHERE resource_id = 'pat-B7' AND kind = "
      "'patient'");
  ASSERT_EQ(owners.size(), 1u);
  EXPECT_EQ(owners[0].get_text(0).value_or(""), "f2");
}

// A run's own resources pass: f1 ends its own room.
TEST_P(ResourceGuardTest, TheRunsOwnRoomPasses) {
  ASSERT_TRUE(engine_->start().ok());
  open_f1_room();
  deploy(one_step("closer", "video.end_room"));
  std::string run = start_in("f1", "closer", {{"input", {{"room_id", "RM-a-room"}}}}, "c1");
  auto attempts = probe_attempts(run);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].status, "succeeded") << attempts[0].error_message;
  EXPECT_EQ(invoker_->calls_of("video.end_room").size(), 1u);
  EXPECT_TRUE(denials().empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, ResourceGuardTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
