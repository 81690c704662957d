// Parse tests over every NPHIES sample message in ../shared/data/nphies/.
#include "plugins/nphies/response_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "plugins/nphies/message_ids.hpp"

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path kSamples = std::filesystem::path(WASL_SHARED_DATA_DIR) / "nphies";

json sample(const std::string& name) {
  std::ifstream in(kSamples / (name + ".json"));
  EXPECT_TRUE(in) << "missing sample " << name;
  return json::parse(in);
}

TEST(ResponseReaderTest, EveryResponseSampleIsReadAndEveryRequestSampleIsNamed) {
  std::set<std::string> known;
  const json catalogue = sample("ksa-message-events.derived");
  for (const auto& e : catalogue["events"]) known.insert(e["code"].get<std::string>());
  ASSERT_GT(known.size(), 20u);
  int read = 0;
  int requests = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSamples)) {
    const std::string name = entry.path().stem().string();
    if (entry.path().extension() != ".json" || name == "ksa-message-events.derived") continue;
    json bundle = sample(name);
    const std::string event = message_event(bundle);
    EXPECT_TRUE(known.count(event)) << name << ": " << event;
    if (name.find("-request") != std::string::npos) {
      ++requests;
      auto refused = read_response(bundle);
      ASSERT_FALSE(refused.ok()) << name;
      EXPECT_THAT(refused.error().message, HasSubstr("which the plugin does not read"));
      continue;
    }
    if (event == "poll-response") {
      auto answers = read_poll_response(bundle);
      ASSERT_TRUE(answers.ok()) << name << ": " << answers.error().message;
    } else {
      auto answer = read_response(bundle);
      ASSERT_TRUE(answer.ok()) << name << ": " << answer.error().message;
      EXPECT_FALSE(answer->message_id.empty()) << name;
      EXPECT_FALSE(answer->request_message_id.empty()) << name;
      EXPECT_EQ(answer->raw, bundle);
    }
    ++read;
  }
  EXPECT_EQ(read, 6);
  EXPECT_EQ(requests, 8);
}

TEST(ResponseReaderTest, EligibilityWithBenefitsIsInForceAndEligible) {
  auto r = read_response(sample("eligibility-response-benefits-validation"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "complete");
  EXPECT_TRUE(r->approved);
  EXPECT_TRUE(r->inforce);
  EXPECT_EQ(r->site_eligibility, "eligible");
  EXPECT_EQ(r->request_message_id, "c19c71dc-cfad-4401-b5b0-c0f20e8f1490");
  EXPECT_EQ(r->message_id, "99c45781-3ff6-4997-adc9-a8e403b21490");
  EXPECT_EQ(r->response_id, "resp_161490");
  EXPECT_EQ(r->response_system, "http://sni.com.sa/fhir/coverageeligibilityresponse");
  ASSERT_EQ(r->benefits.size(), 2u);
  EXPECT_EQ(r->benefits[0].category, "1");
  EXPECT_EQ(r->benefits[0].name, "Medical Care");
  EXPECT_EQ(r->benefits[0].network, "in");
  EXPECT_EQ(r->benefits[0].type, "benefit");
  EXPECT_DOUBLE_EQ(r->benefits[0].allowed, 1000);
  EXPECT_DOUBLE_EQ(r->benefits[1].allowed, 1050);
  EXPECT_TRUE(r->errors.empty());
}

TEST(ResponseReaderTest, EligibilityErrorCarriesItsAdjudicationErrorCode) {
  auto r = read_response(sample("eligibility-response-error"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "error");
  EXPECT_FALSE(r->approved);
  EXPECT_FALSE(r->inforce);
  EXPECT_THAT(r->errors, ElementsAre("1658"));
  ASSERT_EQ(r->error_details.size(), 1u);
  EXPECT_EQ(r->error_details[0].system,
            "http://nphies.sa/terminology/CodeSystem/adjudication-error");
  EXPECT_EQ(r->error_details[0].display, "No member found with the supplied patient credentials");
}

TEST(ResponseReaderTest, PriorAuthorizationResponseHasItsReferenceAndItemAdjudication) {
  auto r = read_response(sample("priorauth-response-professional"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "complete");
  EXPECT_TRUE(r->approved);
  EXPECT_EQ(r->adjudication_outcome, "approved");
  EXPECT_EQ(r->pre_auth_ref, "5252514154");
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].item_sequence, 1);
  EXPECT_EQ(r->items[0].outcome, "approved");
  EXPECT_DOUBLE_EQ(r->items[0].benefit, 0);
  EXPECT_DOUBLE_EQ(r->items[0].approved_quantity, 1);
  EXPECT_EQ(r->currency, "SAR");
}

TEST(ResponseReaderTest, PollResponseCarriesTheQueuedClaimResponse) {
  auto answers = read_poll_response(sample("poll-response"));
  ASSERT_TRUE(answers.ok()) << answers.error().message;
  ASSERT_EQ(answers->size(), 1u);
  const sdk::ClaimResponse& r = (*answers)[0];
  EXPECT_EQ(r.message_id, "b0e34662-3b06-11ec-b009-e1ad19b60bd0");
  // CHI's sample names the claim by an identifier Wasl did not make, so no
  // request message can be derived from it.
  EXPECT_EQ(r.request_message_id, "");
  EXPECT_EQ(r.status, "complete");
  EXPECT_TRUE(r.approved);
  EXPECT_DOUBLE_EQ(r.total_benefit, 285);
  EXPECT_DOUBLE_EQ(r.total_eligible, 100);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_DOUBLE_EQ(r.items[0].benefit, 285);
}

TEST(ResponseReaderTest, PollAnswerNamingAWaslClaimLeadsBackToItsMessage) {
  json bundle = sample("poll-response");
  json& claim_response = bundle["entry"][2]["resource"]["entry"][1]["resource"];
  claim_response["request"]["identifier"]["value"] = message_ids("claim-7").business_id;
  auto answers = read_poll_response(bundle);
  ASSERT_TRUE(answers.ok());
  EXPECT_EQ((*answers)[0].request_message_id, message_ids("claim-7").message_header_id);
}

TEST(ResponseReaderTest, CancelAndStatusResponsesReadTheirTasks) {
  auto cancel = read_response(sample("cancel-response"));
  ASSERT_TRUE(cancel.ok()) << cancel.error().message;
  EXPECT_EQ(cancel->status, "complete");
  EXPECT_TRUE(cancel->approved);
  EXPECT_EQ(cancel->request_message_id, "af4bf225-05df-4435-a6ba-73008c0d2930");
  auto status = read_response(sample("status-check-response"));
  ASSERT_TRUE(status.ok()) << status.error().message;
}

TEST(ResponseReaderTest, StatusResponseSampleSaysTheClaimIsHeldAndComplete) {
  auto read = read_status_response(sample("status-check-response"));
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->status.status, "complete");
  EXPECT_EQ(read->status.message_id, "be363f07-7038-4d32-aa08-538edd76cf39");
  EXPECT_EQ(read->status.request_message_id, "3fa23591-f89b-4ad9-aa38-0cf23d808331");
  EXPECT_EQ(read->claim_system, "http://saudicentralpharmacy.sa.com/claim");
  EXPECT_EQ(read->claim_value, "req_00112487303");
}

// The sample's Task with its status and outputs replaced.
json status_response(const std::string& task_status, json outputs) {
  json bundle = sample("status-check-response");
  json& task = bundle["entry"][1]["resource"];
  task["status"] = task_status;
  if (outputs.is_null()) {
    task.erase("output");
  } else {
    task["output"] = std::move(outputs);
  }
  return bundle;
}

json status_output(const std::string& value) {
  return json::array(
      {{{"type",
         {{"coding",
           json::array({{{"system", "http://nphies.sa/terminology/CodeSystem/task-output-type"},
                         {"code", "status"}}})}}},
        {"valueCode", value}}});
}

TEST(ResponseReaderTest, StatusResponseReadsQueuedCompleteAndNotHeld) {
  auto queued = read_status_response(status_response("completed", status_output("queued")));
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(queued->status.status, "queued");

  json rejected = status_response("rejected", nullptr);
  rejected["entry"][1]["resource"]["statusReason"] = {{"text", "no claim with this identifier"}};
  auto not_held = read_status_response(rejected);
  ASSERT_TRUE(not_held.ok()) << not_held.error().message;
  EXPECT_EQ(not_held->status.status, "not_held");

  // Neither held nor refused: nothing the hub may act on.
  EXPECT_THAT(read_status_response(status_response("completed", nullptr)).error().message,
              HasSubstr("no status output"));
  EXPECT_THAT(
      read_status_response(status_response("completed", status_output("paid"))).error().message,
      HasSubstr("no status output"));
  EXPECT_THAT(read_status_response(status_response("in-progress", nullptr)).error().message,
              HasSubstr("status in-progress"));
  EXPECT_THAT(read_status_response(sample("cancel-response")).error().message,
              HasSubstr("not a status-response"));
  json wrong_code = sample("status-check-response");
  wrong_code["entry"][0]["resource"]["response"]["code"] = "fatal-error";
  EXPECT_THAT(read_status_response(wrong_code).error().message, HasSubstr("fatal-error"));
}

TEST(ResponseReaderTest, ShapesThatAreNotAnswersAreRefused) {
  EXPECT_FALSE(read_response(json::object()).ok());
  EXPECT_FALSE(read_response({{"resourceType", "Bundle"}, {"type", "collection"}}).ok());
  json headless = sample("claim-request-professional");
  headless["entry"].erase(0);
  EXPECT_THAT(read_response(headless).error().message, HasSubstr("MessageHeader"));
  json unfocused = sample("eligibility-response-benefits-validation");
  unfocused["entry"][0]["resource"]["focus"][0]["reference"] = "urn:uuid:elsewhere";
  EXPECT_THAT(read_response(unfocused).error().message,
              HasSubstr("no CoverageEligibilityResponse"));
}

}  // namespace
}  // namespace wasl::plugins::nphies
