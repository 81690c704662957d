// The patient's feedback through the router, on SQLite and PostgreSQL: the
// questionnaire behind a one-use link, a QuestionnaireResponse checked
// (a rating of 0 or 6 is 422 and stores nothing), a second use and an
// expired link refused, the free text encrypted and shown only to roles
// that read PHI, the ratings summed per practitioner and facility, and
// another facility's key answered 404 or counted nothing.
#include "hub/api/feedback.hpp"

#include <set>

#include <gtest/gtest.h>

#include "hub/notifications/feedback_links.hpp"
#include "tests/unit/api/clinical_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

constexpr const char* kComment = "الطبيب كان لطيفاً والصوت انقطع مرتين";

class FeedbackTest : public ClinicalFixture {
 protected:
  // A feedback link for the consultation, as the sender mints it.
  std::string mint(const std::string& consultation, std::int64_t expires_at = kNow + 3'600'000,
                   const std::string& facility = kFacilityA) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto code = notifications::FeedbackLinks::mint(
        **tx, {facility, consultation, "msg-" + std::to_string(++minted_), expires_at, {}}, kNow);
    EXPECT_TRUE(code.ok()) << code.error().message;
    EXPECT_TRUE((*tx)->commit().ok());
    return code.value_or("");
  }

  static nlohmann::json response(nlohmann::json clinician = 5, nlohmann::json connection = 3,
                                 const std::string& comment = kComment) {
    nlohmann::json items = nlohmann::json::array(
        {{{"linkId", "clinician"}, {"answer", {{{"valueInteger", clinician}}}}},
         {{"linkId", "connection"}, {"answer", {{{"valueInteger", connection}}}}}});
    if (!comment.empty()) {
      items.push_back({{"linkId", "comment"}, {"answer", {{{"valueString", comment}}}}});
    }
    return {{"resourceType", "QuestionnaireResponse"},
            {"questionnaire", "urn:wasl:questionnaire:consultation-feedback|1"},
            {"status", "completed"},
            {"item", std::move(items)}};
  }

  http::Response answer(const std::string& code, const nlohmann::json& body = response()) {
    return call("POST", "/feedback/" + code, Caller{}, body);
  }

  static std::set<std::string> fields_of(const http::Response& r) {
    std::set<std::string> out;
    for (const auto& e : body_of(r).value("errors", nlohmann::json::array()))
      out.insert(e["field"]);
    return out;
  }

  std::string feedback_path(const std::string& consultation) {
    return "/v1/consultations/" + consultation + "/feedback";
  }

  int minted_ = 0;
};

TEST_P(FeedbackTest, TheLinkShowsTheQuestionnaireAndAnswersOnce) {
  const std::string code = mint(consultation_);
  http::Response form = call("GET", "/feedback/" + code, Caller{});
  ASSERT_EQ(form.status, 200) << form.body;
  nlohmann::json q = body_of(form)["questionnaire"];
  EXPECT_EQ(q["resourceType"], "Questionnaire");
  EXPECT_EQ(q["url"], "urn:wasl:questionnaire:consultation-feedback");
  ASSERT_EQ(q["item"].size(), 3u);
  EXPECT_EQ(q["item"][0]["linkId"], "clinician");
  EXPECT_EQ(q["item"][0]["type"], "integer");
  EXPECT_EQ(q["item"][1]["linkId"], "connection");
  EXPECT_EQ(q["item"][2]["type"], "text");
  EXPECT_NE(form.body.find("الطبيب"), std::string::npos) << "the Arabic item text";
  EXPECT_EQ(body_of(form)["consultation_id"], consultation_);

  http::Response first = answer(code);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(body_of(first)["consultation_id"], consultation_);
  http::Response second = answer(code, response(1, 1, ""));
  EXPECT_EQ(second.status, 410) << second.body;
  EXPECT_TRUE(is_problem(second));
  EXPECT_EQ(call("GET", "/feedback/" + code, Caller{}).status, 410);

  EXPECT_EQ(scalar("SELECT COUNT(*) FROM feedback_responses"), 1);
  EXPECT_EQ(scalar("SELECT clinician_rating FROM feedback_responses"), 5);
  EXPECT_EQ(scalar("SELECT connection_rating FROM feedback_responses"), 3);
  EXPECT_EQ(scalar("SELECT has_comment FROM feedback_responses"), 1);
  EXPECT_EQ(audit_count("feedback.answer"), 1);
  EXPECT_EQ(audit_count("feedback_link.resolve"), 2);
  // The free text is in the database only encrypted.
  auto tx = store_->begin(storage::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->query("SELECT response_enc FROM feedback_responses");
  ASSERT_TRUE(rows.ok());
  const std::string sealed = rows->front().get_blob("response_enc").value_or("");
  EXPECT_FALSE(sealed.empty());
  EXPECT_EQ(sealed.find("الطبيب"), std::string::npos);
  if (GetParam() == storage::Dialect::kSqlite) {
    EXPECT_EQ(sqlite_bytes().find("الطبيب كان"), std::string::npos);
  }
}

TEST_P(FeedbackTest, AnAnswerUsesTheConsultationsOtherLinkToo) {
  const std::string by_email = mint(consultation_);
  const std::string by_sms = mint(consultation_);
  ASSERT_EQ(answer(by_sms).status, 201);
  EXPECT_EQ(answer(by_email).status, 410);
  EXPECT_EQ(call("GET", "/feedback/" + by_email, Caller{}).status, 410);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM feedback_responses"), 1);
}

TEST_P(FeedbackTest, RatingsOutsideOneToFiveAndMalformedResponsesAre422) {
  const std::string code = mint(consultation_);
  struct Case {
    nlohmann::json body;
    std::string field;
  };
  nlohmann::json in_progress = response();
  in_progress["status"] = "in-progress";
  nlohmann::json other_form = response();
  other_form["questionnaire"] = "urn:other";
  nlohmann::json no_connection = response();
  no_connection["item"].erase(1);
  nlohmann::json twice = response();
  twice["item"][1]["linkId"] = "clinician";
  nlohmann::json unknown = response();
  unknown["item"][2]["linkId"] = "diagnosis";
  nlohmann::json wrong_type = response();
  wrong_type["resourceType"] = "Observation";
  const std::vector<Case> cases = {
      {response(0), "item[0].answer[0].valueInteger"},
      {response(6), "item[0].answer[0].valueInteger"},
      {response(5, 0), "item[1].answer[0].valueInteger"},
      {response(5, 6), "item[1].answer[0].valueInteger"},
      {response(2.5), "item[0].answer[0].valueInteger"},
      {response("5"), "item[0].answer[0].valueInteger"},
      {response(5, 5, std::string(2001, 'x')), "item[2].answer[0].valueString"},
      {in_progress, "status"},
      {other_form, "questionnaire"},
      {no_connection, "item"},
      {twice, "item[1].linkId"},
      {unknown, "item[2].linkId"},
      {wrong_type, "resourceType"},
  };
  for (const Case& c : cases) {
    http::Response r = answer(code, c.body);
    EXPECT_EQ(r.status, 422) << c.body.dump() << ": " << r.body;
    EXPECT_TRUE(is_problem(r));
    EXPECT_TRUE(fields_of(r).contains(c.field)) << c.field << " in " << r.body;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM feedback_responses"), 0);
  EXPECT_EQ(audit_count("feedback.answer"), 0);
  // A refused answer does not use the link up; the boundary ratings pass.
  http::Response good = answer(code, response(1, 5, ""));
  ASSERT_EQ(good.status, 201) << good.body;
  EXPECT_EQ(scalar("SELECT has_comment FROM feedback_responses"), 0);
}

TEST_P(FeedbackTest, ExpiredUnknownAndCancelledLinksAreRefused) {
  const std::string expired = mint(consultation_, kNow);
  EXPECT_EQ(call("GET", "/feedback/" + expired, Caller{}).status, 410);
  EXPECT_EQ(answer(expired).status, 410);
  http::Response unknown = answer("no-such-code");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(is_problem(unknown));
  EXPECT_EQ(call("GET", "/feedback/" + std::string(200, 'a'), Caller{}).status, 404);

  const std::string cancelled = create_id("cancelled", false, booking("50"));
  const std::string code = mint(cancelled);
  ASSERT_EQ(call("POST", "/v1/consultations/" + cancelled + "/cancel", kHospitalCaller).status,
            202);
  EXPECT_EQ(answer(code).status, 410);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM feedback_responses"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'feedback_link.resolve' AND "
                   "outcome = 'failure'"),
            1);
}

TEST_P(FeedbackTest, OnlyRolesThatReadPhiSeeTheFreeText) {
  ASSERT_EQ(answer(mint(consultation_)).status, 201);
  const std::string path = feedback_path(consultation_);
  for (const Caller& as :
       {kClinicianCaller, kOtherClinicianCaller, kHospitalCaller, kAdminCaller}) {
    http::Response r = call("GET", path, as);
    ASSERT_EQ(r.status, 200) << r.body;
    nlohmann::json f = body_of(r);
    EXPECT_EQ(f["clinician_rating"], 5);
    EXPECT_EQ(f["connection_rating"], 3);
    EXPECT_EQ(f["practitioner"], "Practitioner/3");
    EXPECT_EQ(f["comment"], kComment);
    EXPECT_EQ(f["questionnaire_response"]["resourceType"], "QuestionnaireResponse");
    EXPECT_EQ(f["questionnaire_response"]["status"], "completed");
  }
  http::Response integrator = call("GET", path, kIntegratorCaller);
  ASSERT_EQ(integrator.status, 200) << integrator.body;
  nlohmann::json masked = body_of(integrator);
  EXPECT_EQ(masked["clinician_rating"], 5);
  EXPECT_EQ(masked["has_comment"], true);
  EXPECT_FALSE(masked.contains("comment"));
  EXPECT_FALSE(masked.contains("questionnaire_response"));
  EXPECT_EQ(integrator.body.find("الطبيب"), std::string::npos);

  EXPECT_EQ(call("GET", path, kAuditorCaller).status, 403);
  for (const Caller& as : {kOtherFacilityClinician, kOtherFacilityHospital}) {
    http::Response r = call("GET", path, as);
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_TRUE(is_problem(r));
  }
  // A consultation without an answer, and one that does not exist.
  EXPECT_EQ(
      call("GET", feedback_path(create_id("quiet", false, booking("51"))), kHospitalCaller).status,
      404);
  EXPECT_EQ(call("GET", feedback_path("no-such"), kHospitalCaller).status, 404);
  EXPECT_EQ(audit_count("feedback.read"), 5);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'feedback.read' AND "
                   "detail LIKE '%\"content\":false%'"),
            1);
}

TEST_P(FeedbackTest, RatingsAreSummedPerPractitionerAndFacility) {
  nlohmann::json other_practitioner = booking("43");
  other_practitioner["practitioner"]["id"] = "5";
  const std::string second = create_id("second", false, booking("52"));
  const std::string third = create_id("third", false, other_practitioner);
  const std::string in_b = create_id("in-b", true);
  ASSERT_EQ(answer(mint(consultation_), response(5, 3)).status, 201);
  ASSERT_EQ(answer(mint(second), response(4, 2, "")).status, 201);
  ASSERT_EQ(answer(mint(third), response(2, 5, "")).status, 201);
  ASSERT_EQ(answer(mint(in_b, kNow + 3'600'000, kFacilityB), response(1, 1)).status, 201);

  const std::string window =
      "/v1/feedback/summary?from=" + iso(kNow - 60'000) + "&to=" + iso(kNow + 60'000);
  for (const Caller& as : {kHospitalCaller, kIntegratorCaller, kAdminCaller}) {
    http::Response r = call("GET", window, as);
    ASSERT_EQ(r.status, 200) << r.body;
    nlohmann::json s = body_of(r);
    EXPECT_EQ(s["facility"]["id"], kFacilityA);
    EXPECT_EQ(s["facility"]["responses"], 3);
    EXPECT_DOUBLE_EQ(s["facility"]["clinician_rating_mean"].get<double>(), 3.67);
    EXPECT_DOUBLE_EQ(s["facility"]["connection_rating_mean"].get<double>(), 3.33);
    EXPECT_EQ(s["facility"]["comments"], 1);
    ASSERT_EQ(s["practitioners"].size(), 2u) << r.body;
    EXPECT_EQ(s["practitioners"][0]["practitioner"], "Practitioner/3");
    EXPECT_EQ(s["practitioners"][0]["responses"], 2);
    EXPECT_DOUBLE_EQ(s["practitioners"][0]["clinician_rating_mean"].get<double>(), 4.5);
    EXPECT_DOUBLE_EQ(s["practitioners"][0]["connection_rating_mean"].get<double>(), 2.5);
    EXPECT_EQ(s["practitioners"][1]["practitioner"], "Practitioner/5");
    EXPECT_EQ(s["practitioners"][1]["responses"], 1);
    EXPECT_EQ(r.body.find("الطبيب"), std::string::npos);
  }
  // Facility B's key counts only its own answer.
  http::Response b = call("GET", window, kOtherFacilityHospital);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(body_of(b)["facility"]["responses"], 1);
  EXPECT_DOUBLE_EQ(body_of(b)["facility"]["clinician_rating_mean"].get<double>(), 1.0);
  // A window before the answers counts none.
  http::Response before =
      call("GET", "/v1/feedback/summary?from=" + iso(kNow - 120'000) + "&to=" + iso(kNow),
           kHospitalCaller);
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(body_of(before)["facility"]["responses"], 0);
  EXPECT_TRUE(body_of(before)["facility"]["clinician_rating_mean"].is_null());
  EXPECT_TRUE(body_of(before)["practitioners"].empty());

  EXPECT_EQ(call("GET", window, kClinicianCaller).status, 403);
  EXPECT_EQ(call("GET", window, kAuditorCaller).status, 403);
  EXPECT_EQ(
      call("GET", "/v1/feedback/summary?from=yesterday&to=" + iso(kNow), kHospitalCaller).status,
      400);
  EXPECT_EQ(call("GET", "/v1/feedback/summary?from=" + iso(kNow), kHospitalCaller).status, 400);
  EXPECT_EQ(
      call("GET", "/v1/feedback/summary?to=" + iso(kNow) + "&from=" + iso(kNow), kHospitalCaller)
          .status,
      400);
}

INSTANTIATE_TEST_SUITE_P(Backends, FeedbackTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
