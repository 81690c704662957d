// The feedback questionnaire and the check of a patient's
// QuestionnaireResponse: the two 1-5 ratings required, free text optional
// and bounded, anything the form does not ask refused with its path.
#include "hub/feedback/questionnaire.hpp"

#include <gtest/gtest.h>

namespace wasl::feedback {
namespace {

using nlohmann::json;

json answered(json clinician, json connection, const std::string& comment = "") {
  json items =
      json::array({{{"linkId", "clinician"}, {"answer", {{{"valueInteger", clinician}}}}},
                   {{"linkId", "connection"}, {"answer", {{{"valueInteger", connection}}}}}});
  if (!comment.empty()) {
    items.push_back({{"linkId", "comment"}, {"answer", {{{"valueString", comment}}}}});
  }
  return {{"resourceType", "QuestionnaireResponse"}, {"status", "completed"}, {"item", items}};
}

std::vector<std::string> fields(const CheckedResponse& c) {
  std::vector<std::string> out;
  for (const ResponseProblem& p : c.problems) out.push_back(p.field + ":" + p.code);
  return out;
}

TEST(Questionnaire, TwoRatingsAndFreeTextInArabicAndEnglish) {
  const json q = questionnaire();
  EXPECT_EQ(q["resourceType"], "Questionnaire");
  EXPECT_EQ(q["status"], "active");
  EXPECT_EQ(q["url"], std::string(kQuestionnaireUrl));
  ASSERT_EQ(q["item"].size(), 3u);
  for (int i : {0, 1}) {
    EXPECT_EQ(q["item"][i]["type"], "integer");
    EXPECT_EQ(q["item"][i]["required"], true);
    EXPECT_EQ(q["item"][i]["extension"][0]["valueInteger"], 1);
    EXPECT_EQ(q["item"][i]["extension"][1]["valueInteger"], 5);
    const json& translation = q["item"][i]["_text"]["extension"][0]["extension"];
    EXPECT_EQ(translation[0]["valueCode"], "ar");
    EXPECT_FALSE(translation[1]["valueString"].get<std::string>().empty());
  }
  EXPECT_EQ(q["item"][2]["maxLength"], kMaxCommentChars);
}

TEST(Questionnaire, AValidResponseGivesItsAnswer) {
  CheckedResponse c = check_response(answered(1, 5, "شكراً"));
  ASSERT_TRUE(c.answer.has_value()) << ::testing::PrintToString(fields(c));
  EXPECT_EQ(c.answer->clinician_rating, 1);
  EXPECT_EQ(c.answer->connection_rating, 5);
  EXPECT_EQ(c.answer->comment, "شكراً");
  // Blank free text is no comment; a whole number written as 4.0 is 4.
  CheckedResponse blank = check_response(answered(4.0, 3, "  \n"));
  ASSERT_TRUE(blank.answer.has_value());
  EXPECT_EQ(blank.answer->clinician_rating, 4);
  EXPECT_FALSE(blank.answer->comment.has_value());
  // Exactly the limit, counted in characters, not bytes.
  std::string arabic;
  for (std::size_t i = 0; i < kMaxCommentChars; ++i) arabic += "ب";
  EXPECT_TRUE(check_response(answered(3, 3, arabic)).answer.has_value());
  EXPECT_FALSE(check_response(answered(3, 3, arabic + "ب")).answer.has_value());
}

TEST(Questionnaire, RatingsOutsideTheScaleAndOtherMistakesNameTheirMember) {
  EXPECT_EQ(fields(check_response(answered(0, 3))),
            std::vector<std::string>{"item[0].answer[0].valueInteger:out_of_range"});
  EXPECT_EQ(fields(check_response(answered(3, 6))),
            std::vector<std::string>{"item[1].answer[0].valueInteger:out_of_range"});
  EXPECT_EQ(fields(check_response(answered(-1, 3)))[0],
            "item[0].answer[0].valueInteger:out_of_range");
  EXPECT_EQ(fields(check_response(answered(3.5, 3)))[0],
            "item[0].answer[0].valueInteger:wrong_type");
  EXPECT_EQ(fields(check_response(answered(true, 3)))[0],
            "item[0].answer[0].valueInteger:wrong_type");

  json extra = answered(3, 3);
  extra["contained"] = json::array();
  EXPECT_EQ(fields(check_response(extra)), std::vector<std::string>{"contained:unknown_member"});
  json two_answers = answered(3, 3);
  two_answers["item"][0]["answer"].push_back({{"valueInteger", 4}});
  EXPECT_EQ(fields(check_response(two_answers))[0], "item[0].answer:wrong_type");
  json many = answered(3, 3, "x");
  for (int i = 0; i < 1000; ++i) many["item"].push_back({{"linkId", "comment"}});
  CheckedResponse bounded = check_response(many);
  EXPECT_FALSE(bounded.answer.has_value());
  EXPECT_LE(bounded.problems.size(), 3u) << "reads at most one item past the form";
  EXPECT_EQ(fields(check_response(json::array()))[0], ":wrong_type");
  EXPECT_EQ(fields(check_response(
                json{{"resourceType", "QuestionnaireResponse"}, {"status", "completed"}}))[0],
            "item:required");
}

TEST(Questionnaire, TheKeptResponseNamesTheQuestionnaireAndItsAnswers) {
  json r = response_resource({5, 2, std::string("كان جيداً")}, "2026-03-01T10:00:00Z");
  EXPECT_EQ(r["questionnaire"], std::string(kQuestionnaireUrl) + "|1");
  EXPECT_EQ(r["status"], "completed");
  EXPECT_EQ(r["item"][0]["answer"][0]["valueInteger"], 5);
  EXPECT_EQ(r["item"][2]["answer"][0]["valueString"], "كان جيداً");
  // What the hub keeps passes its own check.
  EXPECT_TRUE(check_response(r).answer.has_value());
  EXPECT_EQ(response_resource({5, 2, std::nullopt}, "x")["item"].size(), 2u);
}

}  // namespace
}  // namespace wasl::feedback
