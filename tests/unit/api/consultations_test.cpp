// POST/GET /v1/consultations, timeline, cancel and retry through the router,
// on SQLite and PostgreSQL.
#include "hub/api/consultations.hpp"

#include <gtest/gtest.h>

#include "tests/unit/api/api_fixture.hpp"
#include "tests/unit/audit/audit_outage.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class ConsultationsTest : public ApiFixture {};

std::set<std::string> error_fields(const nlohmann::json& problem) {
  std::set<std::string> out;
  for (const auto& e : problem.value("errors", nlohmann::json::array())) {
    out.insert(e.value("field", "") + ":" + e.value("code", ""));
  }
  return out;
}

TEST_P(ConsultationsTest, CreateAnswers201WithLocationRunAndAudit) {
  http::Response r = create(booking(), "key-1");
  ASSERT_EQ(r.status, 201) << r.body;
  nlohmann::json c = body_of(r);
  const std::string id = c.value("id", "");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(r.headers.find("Location")->second, "/v1/consultations/" + id);
  EXPECT_EQ(c["status"], "scheduled");
  EXPECT_EQ(c["type"], "doctor_patient");
  EXPECT_EQ(c["workflow_name"], "consultation");
  EXPECT_EQ(c["facility_id"], kFacilityA);
  EXPECT_EQ(c["appointment_ref"], "Appointment/42");
  EXPECT_EQ(c["patient"]["reference"], "Patient/7");
  EXPECT_EQ(c["patient"]["summary"]["gender_preference"], "female");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE consultation_id = $1 AND "
                   "facility_id = $2 AND workflow_name = 'consultation'",
                   {id, std::string(kFacilityA)}),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'consultation.create' AND "
                   "entity_id = $1 AND facility_id = $2 AND outcome = 'success'",
                   {id, std::string(kFacilityA)}),
            1);
  // PHI is stored encrypted: the Arabic name is nowhere in the row's text.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations WHERE patient_ref = 'Patient/7'"), 1);
}

TEST_P(ConsultationsTest, ArabicTextRoundTripsByteForByte) {
  const std::string id = create_id("key-ar");
  http::Response r = send({"GET", "/v1/consultations/" + id}, Role::kClinician);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(kArabicName), std::string::npos) << "raw UTF-8 bytes, not \\u escapes";
  nlohmann::json c = body_of(r);
  EXPECT_EQ(c["patient"]["summary"]["name"].get<std::string>(), kArabicName);
  EXPECT_EQ(c["practitioner"]["summary"]["name"].get<std::string>(), "د. أحمد");
  EXPECT_EQ(audit_count("consultation.read"), 1);
}

TEST_P(ConsultationsTest, ReplayReturnsTheFirstAnswerAndCreatesNothing) {
  http::Response first = create(booking(), "key-r");
  ASSERT_EQ(first.status, 201);
  // Same JSON, other member order and spacing.
  std::string reordered =
      "{ \"patient\": " + booking()["patient"].dump(2) +
      ", \"type\":\"doctor_patient\", \"practitioner\": " + booking()["practitioner"].dump() +
      ", \"appointment_id\": \"42\", " + "\"scheduled_at\": " + booking()["scheduled_at"].dump() +
      "}";
  http::Response again = send(
      {"POST", "/v1/consultations", reordered, {{"Idempotency-Key", "key-r"}}}, Role::kHospital);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers.find("Idempotent-Replayed")->second, "true");
  EXPECT_EQ(again.headers.find("Location")->second, first.headers.find("Location")->second);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs"), 1);
  EXPECT_EQ(audit_count("consultation.create"), 1);
}

TEST_P(ConsultationsTest, SameKeyWithAnotherBodyIs422) {
  ASSERT_EQ(create(booking("42"), "key-x").status, 201);
  http::Response r = create(booking("43"), "key-x");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 1);
  // Keys are per facility: facility B may use the same key.
  EXPECT_EQ(create(booking("43"), "key-x", Role::kHospital, true).status, 201);
}

TEST_P(ConsultationsTest, IdempotencyKeyIsRequiredAndChecked) {
  http::Response missing = send({"POST", "/v1/consultations", booking().dump()}, Role::kHospital);
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(body_of(missing)["detail"].get<std::string>().find("Idempotency-Key"),
            std::string::npos);
  EXPECT_EQ(create(booking(), "has space").status, 400);
  EXPECT_EQ(create(booking(), std::string(256, 'k')).status, 400);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 0);
}

TEST_P(ConsultationsTest, MissingFieldsAndWrongTypesAreFieldErrors) {
  http::Response r = create(nlohmann::json::object(), "k1");
  ASSERT_EQ(r.status, 422) << r.body;
  auto fields = error_fields(body_of(r));
  EXPECT_TRUE(fields.count("type:required"));
  EXPECT_TRUE(fields.count("patient:required"));
  EXPECT_TRUE(fields.count("scheduled_at:required"));

  nlohmann::json b = booking();
  b["type"] = 5;
  b["scheduled_at"] = 1767225600;
  b["patient"]["identifiers"] = "1098765432";
  fields = error_fields(body_of(create(b, "k2")));
  EXPECT_TRUE(fields.count("type:wrong_type"));
  EXPECT_TRUE(fields.count("scheduled_at:wrong_type"));
  EXPECT_TRUE(fields.count("patient.identifiers:wrong_type"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 0);
}

TEST_P(ConsultationsTest, UnknownValuesLimitsAndUnknownFieldsAreRefused) {
  nlohmann::json b = booking();
  b["type"] = "house_call";
  b["patient"]["name"] = std::string(201, 'a');
  b["patient"]["identifiers"][0]["value"] = std::string(65, '1');
  b["patient"]["identifiers"][0]["kind"] = "passport";
  b["practitioner"]["name"] = kArabicName + std::string(200, 'x');
  b["colour"] = "blue";
  b["appointment_id"] = "has/slash";
  http::Response r = create(b, "k3");
  ASSERT_EQ(r.status, 422) << r.body;
  auto fields = error_fields(body_of(r));
  EXPECT_TRUE(fields.count("type:unknown_value"));
  EXPECT_TRUE(fields.count("patient.name:too_long"));
  EXPECT_TRUE(fields.count("patient.identifiers[0].value:too_long"));
  EXPECT_TRUE(fields.count("patient.identifiers[0].kind:unknown_value"));
  EXPECT_TRUE(fields.count("practitioner.name:too_long"));
  EXPECT_TRUE(fields.count("colour:unknown_field"));
  EXPECT_TRUE(fields.count("appointment_id:invalid_format"));
  // 200 Arabic characters are 400 bytes and within the limit.
  nlohmann::json ok = booking();
  std::string name;
  for (int i = 0; i < 100; ++i) name += "عب";
  ok["patient"]["name"] = name;
  EXPECT_EQ(create(ok, "k4").status, 201);
}

TEST_P(ConsultationsTest, PastTimesAreRefusedExceptForEmergencies) {
  nlohmann::json b = booking();
  b["scheduled_at"] = iso(kNow - 3'600'000);
  http::Response r = create(b, "k-past");
  ASSERT_EQ(r.status, 422);
  EXPECT_TRUE(error_fields(body_of(r)).count("scheduled_at:in_past"));
  b["scheduled_at"] = "yesterday";
  EXPECT_TRUE(error_fields(body_of(create(b, "k-bad"))).count("scheduled_at:invalid_format"));
  // Clock skew of a minute is tolerated.
  b["scheduled_at"] = iso(kNow - 60'000);
  EXPECT_EQ(create(b, "k-skew").status, 201);

  nlohmann::json e = {{"type", "emergency"},
                      {"scheduled_at", iso(kNow - 3'600'000)},
                      {"patient", {{"id", "7"}}},
                      {"practitioner", {{"id", "3"}}}};
  http::Response em = create(e, "k-em");
  ASSERT_EQ(em.status, 201) << em.body;
  EXPECT_EQ(body_of(em)["workflow_name"], "emergency");
  e.erase("scheduled_at");
  http::Response now = create(e, "k-em2");
  ASSERT_EQ(now.status, 201) << now.body;
  EXPECT_EQ(body_of(now)["scheduled_at"], iso(kNow));
}

TEST_P(ConsultationsTest, FieldsTheWorkflowReadsAreRequired) {
  nlohmann::json b = booking();
  b.erase("appointment_id");
  http::Response r = create(b, "k-wf");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_TRUE(error_fields(body_of(r)).count("appointment_id:required"));

  nlohmann::json e = {{"type", "emergency"}, {"patient", {{"name", kArabicName}}}};
  auto fields = error_fields(body_of(create(e, "k-em")));
  EXPECT_TRUE(fields.count("patient.id:required"));
  EXPECT_TRUE(fields.count("practitioner.id:required"));

  b = booking();
  b["workflow"] = "no_such_flow";
  EXPECT_TRUE(error_fields(body_of(create(b, "k-nf"))).count("workflow:unknown_value"));
  b["workflow"] = "emergency";
  http::Response named = create(b, "k-named");
  ASSERT_EQ(named.status, 201) << named.body;
  EXPECT_EQ(body_of(named)["workflow_name"], "emergency");
}

TEST_P(ConsultationsTest, MalformedBodiesAre400And415) {
  auto post = [&](std::string body, std::string type = "application/json") {
    return send({"POST",
                 "/v1/consultations",
                 std::move(body),
                 {{"Idempotency-Key", "k"}, {"Content-Type", std::move(type)}}},
                Role::kHospital);
  };
  EXPECT_EQ(post("{\"type\": ").status, 400);
  EXPECT_EQ(post("[1, 2]").status, 400);
  std::string bad_utf8 = booking().dump();
  bad_utf8.replace(bad_utf8.find("فاطمة"), 2, "\xC3\x28");
  http::Response r = post(bad_utf8);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("UTF-8"), std::string::npos);
  EXPECT_EQ(post(booking().dump(), "application/json; charset=iso-8859-1").status, 415);
  EXPECT_EQ(post(booking().dump(), "application/json; charset=UTF-8").status, 201);
  EXPECT_EQ(post(std::string(100, '[') + std::string(100, ']')).status, 400);
}

TEST_P(ConsultationsTest, ArabicProblemTitleAndDetail) {
  nlohmann::json b = booking();
  b["type"] = "house_call";
  http::Response r = send({"POST",
                           "/v1/consultations",
                           b.dump(),
                           {{"Idempotency-Key", "k"}, {"Accept-Language", "ar-SA, en;q=0.5"}}},
                          Role::kHospital);
  ASSERT_EQ(r.status, 422);
  nlohmann::json p = body_of(r);
  EXPECT_EQ(p["title"], "محتوى غير قابل للمعالجة");
  EXPECT_EQ(p["detail"], "يحتوي الطلب على 1 من الحقول غير الصالحة؛ راجع errors.");
  EXPECT_EQ(p["errors"][0]["field"], "type");
  EXPECT_EQ(p["errors"][0]["code"], "unknown_value");
  EXPECT_EQ(r.headers.find("Content-Language")->second, "ar");

  http::Response missing =
      send({"GET", "/v1/consultations/nope", "", {{"Accept-Language", "ar"}}}, Role::kHospital);
  EXPECT_EQ(body_of(missing)["title"], "غير موجود");
  EXPECT_EQ(body_of(missing)["detail"], "لا توجد استشارة بهذا المعرّف.");
  http::Response english =
      send({"GET", "/v1/consultations/nope", "", {{"Accept-Language", "en, ar;q=0.9"}}},
           Role::kHospital);
  EXPECT_EQ(body_of(english)["title"], "Not Found");
}

TEST_P(ConsultationsTest, AnotherFacilityAnswers404LikeAMissingId) {
  const std::string id = create_id("k");
  for (const std::string suffix : {"", "/timeline"}) {
    http::Response other = send({"GET", "/v1/consultations/" + id + suffix}, Role::kAdmin, true);
    http::Response missing =
        send({"GET", "/v1/consultations/missing" + suffix}, Role::kAdmin, true);
    EXPECT_EQ(other.status, 404) << suffix;
    EXPECT_EQ(body_of(other)["detail"], body_of(missing)["detail"]);
    EXPECT_EQ(body_of(other)["type"], body_of(missing)["type"]);
  }
  for (const std::string action : {"/cancel", "/retry"}) {
    EXPECT_EQ(send({"POST", "/v1/consultations/" + id + action}, Role::kAdmin, true).status, 404);
  }
  EXPECT_EQ(audit_count("consultation.read"), 0);
}

TEST_P(ConsultationsTest, RolesTheMatrixDoesNotListAre403AndAudited) {
  EXPECT_EQ(create(booking(), "k", Role::kAuditor).status, 403);
  http::Response r = create(booking(), "k", Role::kClinician);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("clinician"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND "
                   "outcome = 'denied'"),
            2);
  const std::string id = create_id("k2");
  EXPECT_EQ(send({"GET", "/v1/consultations/" + id}, Role::kAuditor).status, 403);
  EXPECT_EQ(send({"GET", "/v1/consultations"}, Role::kAuditor).status, 403);
  EXPECT_EQ(send({"GET", "/v1/consultations/" + id + "/timeline"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"POST", "/v1/consultations/" + id + "/cancel"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"POST", "/v1/consultations/" + id + "/retry"}, Role::kHospital).status, 403);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 1);
}

TEST_P(ConsultationsTest, MissingOrBadKeysAre401ThenTheirSourceIs429) {
  http::Response none = send({"GET", "/v1/consultations"}, std::nullopt);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers.count("WWW-Authenticate"), 1u);
  http::Response bad = send(
      {"GET", "/v1/consultations", "", {{"Authorization", "Bearer wasl_" + std::string(64, '0')}}},
      std::nullopt);
  EXPECT_EQ(bad.status, 401);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(send({"GET", "/v1/consultations"}, std::nullopt).status, 401);
  http::Response blocked = send({"GET", "/v1/consultations"}, std::nullopt);
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(blocked.headers.count("Retry-After"), 1u);
  // Failures count per source address, whatever key it sends: a valid key
  // from the same address waits too.
  EXPECT_EQ(send({"GET", "/v1/consultations"}, Role::kAdmin).status, 429);
  // The five failures are one audit event (the source's minute).
  ASSERT_TRUE(authenticator_->flush_failures(/*everything=*/true).ok());
  EXPECT_EQ(audit_count("auth.failed"), 1);
}

TEST_P(ConsultationsTest, ListPagesFiltersAndIsolatesFacilities) {
  for (int i = 0; i < 3; ++i) create_id("k" + std::to_string(i), false, booking(std::to_string(i)));
  nlohmann::json other = booking("99");
  other["patient"]["identifiers"][0]["value"] = "2000000001";
  create_id("kb", true, other);

  http::Response page1 = send({"GET", "/v1/consultations?limit=2"}, Role::kClinician);
  ASSERT_EQ(page1.status, 200) << page1.body;
  nlohmann::json p1 = body_of(page1);
  ASSERT_EQ(p1["items"].size(), 2u);
  ASSERT_TRUE(p1["next_cursor"].is_string());
  nlohmann::json p2 = body_of(
      send({"GET", "/v1/consultations?limit=2&cursor=" + p1["next_cursor"].get<std::string>()},
           Role::kClinician));
  ASSERT_EQ(p2["items"].size(), 1u);
  EXPECT_TRUE(p2["next_cursor"].is_null());

  nlohmann::json by_id = body_of(send({"GET", "/v1/consultations?patient_identifier=1098765432"}));
  EXPECT_EQ(by_id["items"].size(), 3u);
  nlohmann::json b_only = body_of(send({"GET", "/v1/consultations?patient_identifier=2000000001"}));
  EXPECT_EQ(b_only["items"].size(), 0u) << "facility B's patient is invisible to A";
  nlohmann::json b_list = body_of(send({"GET", "/v1/consultations"}, Role::kAdmin, true));
  EXPECT_EQ(b_list["items"].size(), 1u);
  nlohmann::json scheduled =
      body_of(send({"GET", "/v1/consultations?status=scheduled&from=" + iso(kNow) +
                               "&to=" + iso(kNow + 7'200'000)}));
  EXPECT_EQ(scheduled["items"].size(), 3u);
  EXPECT_EQ(body_of(send({"GET", "/v1/consultations?status=cancelled"}))["items"].size(), 0u);
  EXPECT_EQ(body_of(send({"GET", "/v1/consultations?workflow=consultation"}))["items"].size(), 3u);
  EXPECT_EQ(body_of(send({"GET", "/v1/consultations?workflow=emergency"}))["items"].size(), 0u);
  EXPECT_GE(audit_count("consultation.list"), 5);

  for (const std::string& q : std::vector<std::string>{
           "status=bogus", "limit=0", "limit=201", "limit=x", "colour=red", "from=yesterday",
           "cursor=not-a-cursor", "workflow=", "workflow=" + std::string(129, 'w')}) {
    http::Response r = send({"GET", "/v1/consultations?" + q});
    EXPECT_EQ(r.status, 400) << q << ": " << r.body;
    EXPECT_FALSE(body_of(r)["errors"].empty()) << q;
  }
}

TEST_P(ConsultationsTest, TimelineShowsTheRun) {
  const std::string id = create_id("k");
  http::Response r = send({"GET", "/v1/consultations/" + id + "/timeline"}, Role::kHospital);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json t = body_of(r);
  EXPECT_EQ(t["workflow"], "consultation");
  EXPECT_EQ(t["consultation_id"], id);
  EXPECT_EQ(t["status"], "running");
}

TEST_P(ConsultationsTest, CancelEndsTheConsultationOnce) {
  const std::string id = create_id("k");
  http::Response r = send({"POST", "/v1/consultations/" + id + "/cancel"}, Role::kHospital);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(body_of(r)["status"], "cancelled");
  EXPECT_EQ(body_of(send({"GET", "/v1/consultations/" + id}))["status"], "cancelled");
  EXPECT_EQ(audit_count("consultation.cancel"), 1);
  http::Response again = send({"POST", "/v1/consultations/" + id + "/cancel"}, Role::kHospital);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(audit_count("consultation.cancel"), 1);
  EXPECT_EQ(send({"POST", "/v1/consultations/missing/cancel"}).status, 404);
}

TEST_P(ConsultationsTest, RetryResumesAFailedRun) {
  invoker_->fail("ehr.read_appointment", true);
  ASSERT_TRUE(engine_->start().ok());
  const std::string id = create_id("k");
  const std::string timeline = "/v1/consultations/" + id + "/timeline";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = body_of(send({"GET", timeline}))["status"];
    if (status == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(status, "failed");
  invoker_->fail("ehr.read_appointment", false);
  http::Response r = send({"POST", "/v1/consultations/" + id + "/retry"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(audit_count("consultation.retry"), 1);
  // The failed step runs again and now succeeds.
  bool succeeded = false;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!succeeded && std::chrono::steady_clock::now() < deadline) {
    const nlohmann::json t = body_of(send({"GET", timeline}));
    for (const auto& a : t["attempts"]) {
      if (a["step_id"] == "appointment" && a["status"] == "succeeded") succeeded = true;
    }
    if (!succeeded) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(succeeded);
}

// A cancel whose audit event cannot be written changes nothing: the run is
// not cancelling and the consultation keeps its status.
TEST_P(ConsultationsTest, CancelCommitsWithItsAuditEventOrNotAtAll) {
  const std::string id = create_id("k");
  const std::string run_status_sql =
      "SELECT COUNT(*) FROM workflow_runs WHERE consultation_id = $1 AND status = 'running'";
  ASSERT_EQ(scalar(run_status_sql, {id}), 1);
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, true).ok());
  http::Response failed = send({"POST", "/v1/consultations/" + id + "/cancel"}, Role::kHospital);
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, false).ok());
  EXPECT_GE(failed.status, 400) << failed.body;
  EXPECT_EQ(scalar(run_status_sql, {id}), 1) << "the run's cancellation outlived its audit";
  EXPECT_EQ(
      scalar("SELECT COUNT(*) FROM consultations WHERE id = $1 AND status = 'scheduled'", {id}), 1);

  http::Response r = send({"POST", "/v1/consultations/" + id + "/cancel"}, Role::kHospital);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE consultation_id = $1 AND "
                   "status = 'cancelling'",
                   {id}),
            1);
  EXPECT_EQ(audit_count("consultation.cancel"), 1);
}

// A retry whose audit event cannot be written leaves the run failed, and
// the failed step is not called again.
TEST_P(ConsultationsTest, RetryCommitsWithItsAuditEventOrNotAtAll) {
  invoker_->fail("ehr.read_appointment", true);
  ASSERT_TRUE(engine_->start().ok());
  const std::string id = create_id("k");
  const std::string timeline = "/v1/consultations/" + id + "/timeline";
  auto status_of = [&] { return body_of(send({"GET", timeline})).value("status", std::string()); };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (status_of() != "failed" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(status_of(), "failed");
  const int calls = invoker_->calls("ehr.read_appointment");
  invoker_->fail("ehr.read_appointment", false);

  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, true).ok());
  http::Response failed = send({"POST", "/v1/consultations/" + id + "/retry"}, Role::kIntegrator);
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, false).ok());
  EXPECT_GE(failed.status, 400) << failed.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE consultation_id = $1 AND "
                   "status = 'failed'",
                   {id}),
            1)
      << "the retry outlived its audit";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs j JOIN workflow_runs r ON r.id = j.run_id "
                   "WHERE r.consultation_id = $1",
                   {id}),
            0);
  EXPECT_EQ(invoker_->calls("ehr.read_appointment"), calls);

  http::Response r = send({"POST", "/v1/consultations/" + id + "/retry"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(audit_count("consultation.retry"), 1);
}

TEST_P(ConsultationsTest, RetryOfARunThatDidNotFailIs409) {
  const std::string id = create_id("k");
  http::Response r = send({"POST", "/v1/consultations/" + id + "/retry"}, Role::kIntegrator);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("running"), std::string::npos);
  EXPECT_EQ(audit_count("consultation.retry"), 0);
}

TEST_P(ConsultationsTest, TheStoredWorkflowVersionIsRecorded) {
  // Redeploying changed text under the same file version stores version 2.
  std::ifstream in(std::string(WASL_SOURCE_DIR) + "/workflows/consultation.yaml");
  std::stringstream text;
  text << in.rdbuf() << "\n# changed\n";
  auto deployed = definitions_->deploy_source(text.str(), "consultation.yaml", "test");
  ASSERT_TRUE(deployed.ok()) << deployed.error().message;
  ASSERT_EQ(deployed->version, 2);
  http::Response r = create(booking(), "k-v2");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["workflow_version"], 2);
  const std::string id = body_of(r)["id"];
  EXPECT_EQ(body_of(send({"GET", "/v1/consultations/" + id + "/timeline"}))["version"], 2);
  EXPECT_EQ(body_of(send({"GET", "/v1/consultations/" + id}))["workflow_version"], 2);
}

// The consultation record follows the role matrix: an integrator reads its
// references and statuses, never the patient's or practitioner's summary.
TEST_P(ConsultationsTest, AnIntegratorReadsReferencesAndStatusesOnly) {
  const std::string id = create_id("phi");
  const std::vector<std::string> phi = {kArabicName, "1098765432", "0501234567", "د. أحمد"};
  auto no_phi = [&phi](const http::Response& r) {
    for (const auto& value : phi) {
      EXPECT_EQ(r.body.find(value), std::string::npos) << value << " in " << r.body;
    }
  };
  http::Response one = send({"GET", "/v1/consultations/" + id}, Role::kIntegrator);
  ASSERT_EQ(one.status, 200) << one.body;
  no_phi(one);
  nlohmann::json c = body_of(one);
  EXPECT_EQ(c["patient"], (nlohmann::json{{"reference", "Patient/7"}}));
  EXPECT_EQ(c["practitioner"], (nlohmann::json{{"reference", "Practitioner/3"}}));
  EXPECT_EQ(c["status"], "scheduled");
  http::Response listed = send({"GET", "/v1/consultations"}, Role::kIntegrator);
  ASSERT_EQ(listed.status, 200) << listed.body;
  no_phi(listed);
  EXPECT_EQ(body_of(listed)["items"][0]["id"], id);
  http::Response booked = create(booking("43"), "phi-2", Role::kIntegrator);
  ASSERT_EQ(booked.status, 201) << booked.body;
  no_phi(booked);
  http::Response cancelled =
      send({"POST", "/v1/consultations/" + id + "/cancel"}, Role::kIntegrator);
  ASSERT_EQ(cancelled.status, 202) << cancelled.body;
  no_phi(cancelled);
  // The hospital system that books it reads the whole record.
  nlohmann::json whole = body_of(send({"GET", "/v1/consultations/" + id}, Role::kHospital));
  EXPECT_EQ(whole["patient"]["summary"]["name"], kArabicName);
  EXPECT_EQ(whole["practitioner"]["summary"]["name"], "د. أحمد");
}

// One live consultation per appointment in a facility: the same
// appointment_id under another key is 409 naming the consultation that has
// it, writes nothing and leaves that key free; once the first is cancelled
// the appointment books again; another facility's same id is its own.
TEST_P(ConsultationsTest, AnAppointmentWithALiveConsultationIs409UntilCancelled) {
  const std::string first = create_id("key-1", false, booking("77"));
  ASSERT_FALSE(first.empty());
  http::Response again = create(booking("77"), "key-2");
  ASSERT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.headers.find("Content-Type")->second, "application/problem+json");
  const std::string detail = body_of(again).value("detail", "");
  EXPECT_NE(detail.find(first), std::string::npos) << detail;
  EXPECT_NE(detail.find("77"), std::string::npos) << detail;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs"), 1);
  EXPECT_EQ(audit_count("consultation.create"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'key-2'"), 0);
  // In Arabic too.
  http::Response arabic = send({"POST",
                                "/v1/consultations",
                                booking("77").dump(),
                                {{"Idempotency-Key", "key-3"}, {"Accept-Language", "ar"}}},
                               Role::kHospital);
  ASSERT_EQ(arabic.status, 409) << arabic.body;
  EXPECT_NE(body_of(arabic).value("detail", "").find(first), std::string::npos);

  // Another facility's appointment of the same id is another appointment.
  EXPECT_EQ(create(booking("77"), "key-2", Role::kHospital, /*facility_b=*/true).status, 201);

  ASSERT_EQ(send({"POST", "/v1/consultations/" + first + "/cancel"}, Role::kHospital).status, 202);
  http::Response booked = create(booking("77"), "key-2");
  ASSERT_EQ(booked.status, 201) << booked.body;
  EXPECT_NE(body_of(booked).value("id", ""), first);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations WHERE facility_id = $1 AND "
                   "appointment_ref = 'Appointment/77'",
                   {std::string(kFacilityA)}),
            2);
  // And the new live one holds it again.
  EXPECT_EQ(create(booking("77"), "key-4").status, 409);
  // Consultations without an appointment are not limited.
  nlohmann::json no_appointment = booking();
  no_appointment.erase("appointment_id");
  no_appointment["workflow"] = "emergency";
  no_appointment["type"] = "emergency";
  EXPECT_EQ(create(no_appointment, "key-5").status, 201);
  EXPECT_EQ(create(no_appointment, "key-6").status, 201);
}

// Two requests for one appointment at once (the look-up of each found
// nothing): the unique index refuses the second, which answers the same 409
// naming the first and writes nothing. On PostgreSQL the second's insert
// waits on the first's uncommitted row; SQLite's single writer orders them.
TEST_P(ConsultationsTest, ARequestThatLosesTheRaceForAnAppointmentIs409) {
  records::ConsultationStore consultations(*cipher_);
  domain::Consultation held;
  held.id = "c-held";
  held.facility_id = kFacilityA;
  held.workflow_name = "consultation";
  held.status = domain::ConsultationStatus::kScheduled;
  held.appointment_ref = "Appointment/88";
  held.created_at = kNow;
  held.updated_at = kNow;
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(consultations.insert(**tx, held).ok());
  http::Response lost;
  if (GetParam() == storage::Dialect::kPostgres) {
    std::thread request([&] { lost = create(booking("88"), "key-race"); });
    bool waiting = false;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
         !waiting && std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(std::chrono::milliseconds(2))) {
      waiting = scalar(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND "
                    "wait_event_type = 'Lock'",
                    {db_->tag()}) > 0;
    }
    EXPECT_TRUE(waiting) << "the request never waited on the other's row";
    ASSERT_TRUE((*tx)->commit().ok());
    request.join();
  } else {
    ASSERT_TRUE((*tx)->commit().ok());
    lost = create(booking("88"), "key-race");
  }
  ASSERT_EQ(lost.status, 409) << lost.body;
  EXPECT_NE(body_of(lost).value("detail", "").find("c-held"), std::string::npos) << lost.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs"), 0);
  EXPECT_EQ(audit_count("consultation.create"), 0);
  // The key is free: another body under it is a new request, not a mismatch.
  EXPECT_EQ(create(booking("89"), "key-race").status, 201);
}

INSTANTIATE_TEST_SUITE_P(Backends, ConsultationsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
