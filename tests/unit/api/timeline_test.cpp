// GET /v1/consultations/{id}/timeline: each attempt's input and output, PHI
// masked for roles that may not read the clinical record (integrator), the
// unmasked read audited; the next attempt of a step waiting to be retried;
// another facility's key gets 404.
#include <gtest/gtest.h>

#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class TimelineTest : public ApiFixture {
 protected:
  // Polls the timeline (as admin) until `done` accepts it; fails after 20 s.
  nlohmann::json timeline_until(const std::string& id,
                                const std::function<bool(const nlohmann::json&)>& done) {
    const std::string target = "/v1/consultations/" + id + "/timeline";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    nlohmann::json t;
    while (std::chrono::steady_clock::now() < deadline) {
      t = body_of(send({"GET", target}, Role::kAdmin));
      if (done(t)) return t;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the timeline never got there: " << t.dump();
    return t;
  }

  static const nlohmann::json* attempt(const nlohmann::json& t, const std::string& step) {
    for (const auto& a : t["attempts"]) {
      if (a["step_id"] == step) return &a;
    }
    return nullptr;
  }
};

TEST_P(TimelineTest, InputAndOutputForRolesThatMaySeePhiMaskedForOthers) {
  ASSERT_TRUE(engine_->start().ok());
  const std::string id = create_id("k");
  nlohmann::json t = timeline_until(id, [](const nlohmann::json& t) {
    const auto* a = attempt(t, "patient");
    return a != nullptr && (*a)["status"] == "succeeded";
  });
  const nlohmann::json* appointment = attempt(t, "appointment");
  ASSERT_NE(appointment, nullptr);
  // The step's `with` rendered with the trigger, and what the EHR answered.
  EXPECT_EQ((*appointment)["input"], (nlohmann::json{{"id", "42"}}));
  EXPECT_EQ((*appointment)["output"]["patient_id"], "pat-42") << t.dump();
  EXPECT_EQ((*attempt(t, "patient"))["input"], (nlohmann::json{{"id", "pat-42"}}));
  const std::int64_t audited = audit_count("consultation.timeline_read");
  EXPECT_GE(audited, 1);

  // The integrator repairs runs without reading the clinical record.
  http::Response r = send({"GET", "/v1/consultations/" + id + "/timeline"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json masked = body_of(r);
  const nlohmann::json* m = attempt(masked, "appointment");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ((*m)["output"]["patient_id"], "pat-42") << "a reference is declared not PHI";
  EXPECT_EQ((*m)["input"], (nlohmann::json{{"id", "42"}})) << "no PHI member in this input";
  // Ids are not PHI by the domain's list (the consultation shows its patient
  // reference to integrators too): the next step's input keeps it.
  EXPECT_EQ((*attempt(masked, "patient"))["input"], (nlohmann::json{{"id", "pat-42"}}));
  EXPECT_EQ(audit_count("consultation.timeline_read"), audited) << "a masked read is not PHI";
}

TEST_P(TimelineTest, PhiInInputsIsMaskedByTheDomainsListAndTheRedactor) {
  // The EHR answers with a phone number where an id belongs, and a
  // practitioner's specialty that carries a name: the next steps' inputs
  // take them over.
  invoker_->answer("ehr.read_appointment", {{"id", "42"},
                                            {"patient_id", "0501234567"},
                                            {"practitioner_id", "doc-1"},
                                            {"service_type", "general"},
                                            {"start_ms", 1700000000000}});
  invoker_->answer("ehr.read_practitioner",
                   {{"id", "doc-1"}, {"specialty", {{"code", "cardiology"}, {"name", "نورة"}}}});
  ASSERT_TRUE(engine_->start().ok());
  const std::string id = create_id("k");
  timeline_until(id, [](const nlohmann::json& t) { return attempt(t, "details") != nullptr; });
  http::Response r = send({"GET", "/v1/consultations/" + id + "/timeline"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json t = body_of(r);
  EXPECT_EQ((*attempt(t, "patient"))["input"]["id"], "[redacted:phone]") << r.body;
  const nlohmann::json& details = (*attempt(t, "details"))["input"];
  EXPECT_EQ(details["specialty"]["name"], "[redacted:name]") << r.body;
  EXPECT_EQ(details["specialty"]["code"], "cardiology");
  EXPECT_EQ(details["service_type"], "general");
  EXPECT_EQ(r.body.find("0501234567"), std::string::npos);
  EXPECT_EQ(r.body.find("نورة"), std::string::npos);
  // The admin sees them as the EHR sent them.
  nlohmann::json plain = body_of(send({"GET", "/v1/consultations/" + id + "/timeline"}));
  EXPECT_EQ((*attempt(plain, "details"))["input"]["specialty"]["name"], "نورة");
  EXPECT_EQ((*attempt(plain, "patient"))["input"]["id"], "0501234567");
}

// Masking is an allow-list: a value that came from a PHI output stays masked
// whatever the member it is copied into is called, and a join token copied
// anywhere too. References and statuses declared not PHI are shown.
TEST_P(TimelineTest, PhiCopiedIntoAnyMemberStaysMasked) {
  const std::string yaml = R"(name: copycat
version: 1
trigger:
  kind: api
steps:
  - id: patient
    call: ehr.read_patient
    with:
      id: ${trigger.patient_id}
  - id: room
    call: video.create_room
    with:
      name: copy
  - id: token
    call: video.issue_join_token
    with:
      room_id: ${steps.room.output.provider_room_id}
      participant:
        identity: p-1
        display_name: Patient
        role: patient
  - id: note
    call: hub.record_event
    with:
      type: copied
      detail:
        label: ${steps.patient.output.given_name}
        pass: ${steps.token.output.token}
        text: "for ${steps.patient.output.family_name}"
  - id: details
    call: hub.describe_consultation
    with:
      specialty: ${steps.patient.output.given_name}
      service_type: ${steps.token.output.token}
)";
  auto deployed = definitions_->deploy_source(yaml, "copycat.yaml", "test");
  ASSERT_TRUE(deployed.ok()) << deployed.error().message;
  invoker_->answer("ehr.read_patient", {{"id", "7"},
                                        {"given_name", "Fatimah"},
                                        {"family_name", "Alzahrani"},
                                        {"phone", "0501234567"}});
  invoker_->answer("video.issue_join_token", {{"token", "secret-join-token"},
                                              {"provider_participant_id", "PA-1"},
                                              {"expires_at_ms", 1900000000000}});
  ASSERT_TRUE(engine_->start().ok());
  nlohmann::json body = booking();
  body["workflow"] = "copycat";
  const std::string id = create_id("copy", false, body);
  timeline_until(id, [](const nlohmann::json& t) {
    const auto* a = attempt(t, "details");
    return a != nullptr && (*a)["status"] == "succeeded";
  });
  http::Response r = send({"GET", "/v1/consultations/" + id + "/timeline"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  for (const char* phi : {"Fatimah", "Alzahrani", "0501234567", "secret-join-token"}) {
    EXPECT_EQ(r.body.find(phi), std::string::npos) << phi << " in " << r.body;
  }
  nlohmann::json t = body_of(r);
  const nlohmann::json& note = (*attempt(t, "note"))["input"];
  EXPECT_EQ(note["type"], "copied") << "a literal of the workflow file";
  EXPECT_EQ(note["detail"]["label"], "[redacted:phi]") << r.body;
  EXPECT_EQ(note["detail"]["pass"], "[redacted:phi]") << r.body;
  EXPECT_EQ((*attempt(t, "details"))["input"]["specialty"], "[redacted:phi]") << r.body;
  EXPECT_EQ((*attempt(t, "token"))["output"]["provider_participant_id"], "PA-1") << r.body;
  EXPECT_EQ((*attempt(t, "token"))["output"]["token"], "[redacted:phi]") << r.body;
  EXPECT_EQ((*attempt(t, "patient"))["input"]["id"], "7") << "a reference is not PHI";
  // The admin reads them in clear.
  nlohmann::json plain = body_of(send({"GET", "/v1/consultations/" + id + "/timeline"}));
  EXPECT_EQ((*attempt(plain, "note"))["input"]["detail"]["label"], "Fatimah");
}

TEST_P(TimelineTest, AStepWaitingToBeRetriedShowsItsNextAttempt) {
  invoker_->fail("ehr.read_appointment", true, /*retryable=*/true);
  ASSERT_TRUE(engine_->start().ok());
  const std::string id = create_id("k");
  nlohmann::json t = timeline_until(id, [](const nlohmann::json& t) {
    const auto* a = attempt(t, "appointment");
    return a != nullptr && (*a)["status"] == "failed" && t.contains("next_attempt");
  });
  ASSERT_TRUE(t.contains("next_attempt")) << t.dump();
  const nlohmann::json& next = t["next_attempt"];
  EXPECT_EQ(next["step_id"], "appointment");
  EXPECT_EQ(next["retry"], true);
  EXPECT_GE(next["attempt"].get<int>(), 2);
  const nlohmann::json* failed = attempt(t, "appointment");
  EXPECT_GT(next["at_ms"].get<std::int64_t>(), (*failed)["finished_at_ms"].get<std::int64_t>())
      << "a retry waits for its backoff";
  invoker_->fail("ehr.read_appointment", false);
  t = timeline_until(id, [](const nlohmann::json& t) {
    for (const auto& a : t["attempts"]) {
      if (a["step_id"] == "appointment" && a["status"] == "succeeded") return true;
    }
    return false;
  });
  EXPECT_TRUE(!t.contains("next_attempt") || t["next_attempt"]["step_id"] != "appointment");
}

TEST_P(TimelineTest, AnotherFacilitysKeyGets404) {
  const std::string id = create_id("k");
  for (Role role : {Role::kAdmin, Role::kIntegrator, Role::kHospital}) {
    EXPECT_EQ(send({"GET", "/v1/consultations/" + id + "/timeline"}, role, true).status, 404)
        << to_string(role);
  }
  EXPECT_EQ(audit_count("consultation.timeline_read"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, TimelineTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
