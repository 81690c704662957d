// The messages a poll-response carries, built as the messages brief of
// issue 37 describes them (the NPHIES peer builds its own from the same
// text), and every sample of ../shared/data/nphies/ through its reader.
#include "plugins/nphies/polled_message_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "plugins/nphies/fhir_elements.hpp"
#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/response_reader.hpp"

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kPolledEvents = "http://nphies.sa/terminology/CodeSystem/ksa-message-events";
const std::string kClaimSystem = "http://hospital.test/identifier/claim";
const std::string kPolledFs = "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/";
const std::string kPayer = "http://payer.test";
// In the messages' Patient and free text; never in a problem.
const std::string kPatientName = "فاطمة الزهراني";

const PolledReading kReading{polled_events(), kClaimSystem};

json sar(double value) { return {{"value", value}, {"currency", "SAR"}}; }

json coding(const std::string& system, const std::string& code) {
  return {{"coding", json::array({{{"system", system}, {"code", code}}})}};
}

// CLAIM-ID of the claim the provider sent with idempotency key `key`.
json claim_identifier(const std::string& key) {
  return {{"system", kClaimSystem}, {"value", message_ids(key).business_id}};
}

json claim_reference(const std::string& key) {
  return {{"type", "Claim"}, {"identifier", claim_identifier(key)}};
}

// A message of `event` sent to the provider: MessageHeader `id` (answering
// `responds_to` when given), focus `focal` at {kPayer}/<type>/1, then the
// Patient (national id 1234567890), the insurer and provider Organizations
// and a Coverage (member id M-10001).
json message(const std::string& event, const std::string& id, json focal,
             const std::string& responds_to = "") {
  const std::string focal_url = kPayer + "/" + focal["resourceType"].get<std::string>() + "/1";
  json header = {
      {"resourceType", "MessageHeader"},
      {"id", id},
      {"meta", {{"profile", json::array({kPolledFs + "message-header|1.0.0"})}}},
      {"eventCoding", {{"system", kPolledEvents}, {"code", event}}},
      {"destination",
       json::array({{{"endpoint", "http://nphies.sa/license/provider-license/N-F-00001"},
                     {"receiver",
                      {{"type", "Organization"},
                       {"identifier",
                        {{"system", "http://nphies.sa/license/provider-license"},
                         {"value", "N-F-00001"}}}}}}})},
      {"sender",
       {{"type", "Organization"},
        {"identifier",
         {{"system", "http://nphies.sa/license/payer-license"}, {"value", "N-I-00001"}}}}},
      {"source", {{"endpoint", kPayer}}},
      {"focus", json::array({{{"reference", focal_url}}})}};
  if (!responds_to.empty()) header["response"] = {{"identifier", responds_to}, {"code", "ok"}};
  json patient = {
      {"resourceType", "Patient"},
      {"id", "3"},
      {"identifier",
       json::array({{{"system", "http://nphies.sa/identifier/nationalid"}, {"value", "1234567890"}},
                    {{"system", 7}}})},
      {"name", json::array({{{"text", kPatientName}}})}};
  json coverage = {
      {"resourceType", "Coverage"},
      {"id", "1"},
      {"identifier",
       json::array({{{"system", "http://payer.test/memberid"}, {"value", "M-10001"}}})},
      {"beneficiary", {{"reference", kPayer + "/Patient/3"}}}};
  return {
      {"resourceType", "Bundle"},
      {"id", "bundle-" + id},
      {"type", "message"},
      {"entry", json::array({{{"fullUrl", kPayer + "/MessageHeader/" + id}, {"resource", header}},
                             {{"fullUrl", focal_url}, {"resource", focal}},
                             {{"fullUrl", kPayer + "/Patient/3"}, {"resource", patient}},
                             {{"fullUrl", kPayer + "/Organization/insurer"},
                              {"resource", {{"resourceType", "Organization"}, {"id", "insurer"}}}},
                             {{"fullUrl", kPayer + "/Organization/provider"},
                              {"resource", {{"resourceType", "Organization"}, {"id", "provider"}}}},
                             {{"fullUrl", kPayer + "/Coverage/1"}, {"resource", coverage}}})}};
}

json claim_response(const std::string& claim_key, const std::string& use) {
  return {{"resourceType", "ClaimResponse"},
          {"identifier", json::array({{{"system", kPayer + "/claimresponse"}, {"value", "cr-1"}}})},
          {"status", "active"},
          {"use", use},
          {"outcome", "complete"},
          {"preAuthRef", use == "preauthorization" ? "PA-77" : ""},
          {"request", claim_reference(claim_key)},
          {"extension",
           json::array({{{"url", kPolledFs + "extension-adjudication-outcome"},
                         {"valueCodeableConcept",
                          coding("http://nphies.sa/terminology/CodeSystem/adjudication-outcome",
                                 "approved")}}})},
          {"total", json::array({{{"category", coding("http://terminology.hl7.org/CodeSystem/"
                                                      "adjudication",
                                                      "benefit")},
                                  {"amount", sar(172.5)}}})}};
}

json communication_request(const std::string& claim_key) {
  return {{"resourceType", "CommunicationRequest"},
          {"identifier",
           json::array({{{"system", kPayer + "/communication-request"}, {"value", "CR-501"}}})},
          {"status", "active"},
          {"priority", "routine"},
          {"authoredOn", "2025-11-21T13:00:00+03:00"},
          {"subject", {{"reference", kPayer + "/Patient/3"}}},
          {"about", json::array({claim_reference(claim_key)})},
          {"reasonCode",
           json::array({coding("http://nphies.sa/terminology/CodeSystem/communication-reason",
                               "missing-attachment")})},
          {"payload",
           json::array({{{"contentString", "Why was a follow-up billed for " + kPatientName + "?"}},
                        {{"contentAttachment",
                          {{"contentType", "application/pdf"}, {"title", "the visit note"}}}},
                        {{"contentAttachment",
                          {{"contentType", "image/jpeg"}, {"title", "the prescription"}}}}})},
          {"occurrenceDateTime", "2025-11-28T23:59:00+03:00"},
          {"requester", {{"reference", kPayer + "/Organization/insurer"}}},
          {"recipient", json::array({{{"reference", kPayer + "/Organization/provider"}}})}};
}

json payment_detail(const std::string& claim_key, const std::string& type, double amount,
                    double early_fee, double nphies_fee) {
  json detail = {
      {"identifier", {{"system", kPayer + "/paymentdetail"}, {"value", "D-" + claim_key}}},
      {"type", coding("http://terminology.hl7.org/CodeSystem/payment-type", type)},
      {"request", claim_reference(claim_key)},
      {"submitter", {{"reference", kPayer + "/Organization/provider"}}},
      {"date", "2025-11-30"},
      {"amount", sar(amount)}};
  json extensions = json::array();
  if (early_fee != 0) {
    extensions.push_back(
        {{"url", kPolledFs + "extension-early-fee"}, {"valueMoney", sar(early_fee)}});
  }
  if (nphies_fee != 0) {
    extensions.push_back(
        {{"url", kPolledFs + "extension-nphies-fee"}, {"valueMoney", sar(nphies_fee)}});
  }
  if (!extensions.empty()) detail["extension"] = extensions;
  return detail;
}

json payment_reconciliation() {
  return {{"resourceType", "PaymentReconciliation"},
          {"identifier",
           json::array({{{"system", kPayer + "/paymentreconciliation"}, {"value", "PR-9"}}})},
          {"status", "active"},
          {"created", "2025-11-30"},
          {"outcome", "complete"},
          {"period", {{"start", "2025-11-01"}, {"end", "2025-11-30"}}},
          {"paymentDate", "2025-11-30"},
          {"paymentAmount", sar(300 + 80 + -20 - 3 - 1.5)},
          {"paymentIdentifier", {{"system", "http://bank.test/transfer"}, {"value", "TRX-1"}}},
          {"paymentIssuer", {{"reference", kPayer + "/Organization/insurer"}}},
          {"requestor", {{"reference", kPayer + "/Organization/provider"}}},
          {"detail", json::array({payment_detail("claim-a", "payment", 300, 3, 1.5),
                                  payment_detail("claim-b", "payment", 80, 0, 0),
                                  payment_detail("claim-a", "adjustment", -20, 0, 0)})}};
}

json advanced_authorization() {
  json focal = claim_response("", "preauthorization");
  focal.erase("request");
  focal["preAuthRef"] = "AA-31";
  focal["preAuthPeriod"] = {{"start", "2025-12-01"}, {"end", "2026-02-28"}};
  focal["patient"] = {{"reference", kPayer + "/Patient/3"}};
  focal["insurer"] = {{"reference", kPayer + "/Organization/insurer"}};
  focal["insurance"] = json::array(
      {{{"sequence", 1}, {"focal", true}, {"coverage", {{"reference", "Coverage/1"}}}}});
  return focal;
}

json operation_outcome() {
  return {{"resourceType", "OperationOutcome"},
          {"issue",
           json::array(
               {{{"severity", "error"},
                 {"code", "business-rule"},
                 {"details",
                  {{"coding",
                    json::array(
                        {{{"system", "http://nphies.sa/terminology/CodeSystem/adjudication-error"},
                          {"code", "GE-00013"}}})},
                   {"text", "The provider licence is not active"}}}},
                {{"severity", "error"}, {"code", "invalid"}},
                {{"severity", "error"}, {"details", {{"text", "no code at all"}}}}})}};
}

// One message of every event the plugin reads.
std::vector<json> every_event() {
  return {
      message("claim-response", "m-claim", claim_response("claim-a", "claim"),
              message_ids("claim-a").message_header_id),
      message("priorauth-response", "m-preauth", claim_response("preauth-a", "preauthorization")),
      message("communication-request", "m-info", communication_request("claim-a")),
      message("payment-reconciliation", "m-paid", payment_reconciliation()),
      message("advanced-authorization", "m-advanced", advanced_authorization()),
      message("error-notice", "m-error", operation_outcome(), "sent-message-1")};
}

// The poll-response carrying `messages`, as the exchange sends it.
json poll_response(const std::vector<json>& messages) {
  json task = {{"resourceType", "Task"},
               {"status", "completed"},
               {"code", coding("http://nphies.sa/terminology/CodeSystem/task-code", "poll")}};
  json bundle = message("poll-response", "poll-answer", task, "poll-1");
  bundle["entry"][0]["resource"]["sender"]["identifier"] = {
      {"system", "http://nphies.sa/license/nphies"}, {"value", "NPHIES"}};
  for (const auto& m : messages) {
    bundle["entry"].push_back(
        {{"fullUrl", "http://nphies.sa/Bundle/" + (m.is_object() ? text(m, "id") : std::string())},
         {"resource", m}});
  }
  return bundle;
}

TEST(PolledMessageReaderTest, EveryEventIsReadIntoItsType) {
  auto read = read_polled_messages(poll_response(every_event()), kReading);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 6u);
  for (const auto& m : *read) EXPECT_EQ(m.problem, "") << m.event;

  const sdk::PolledMessage& claim = (*read)[0];
  EXPECT_EQ(claim.event, "claim-response");
  EXPECT_EQ(claim.message_id, "m-claim");
  EXPECT_EQ(claim.request_message_id, message_ids("claim-a").message_header_id);
  EXPECT_EQ(claim.answer.request_id, "claim-a");
  EXPECT_EQ(claim.answer.status, "complete");
  EXPECT_TRUE(claim.answer.approved);
  EXPECT_DOUBLE_EQ(claim.answer.total_benefit, 172.5);
  EXPECT_EQ(claim.raw, every_event()[0]);
  // Read exactly as read_response() reads it.
  auto same = read_response(every_event()[0]);
  ASSERT_TRUE(same.ok());
  same->request_id = "claim-a";
  EXPECT_EQ(json(claim.answer), json(*same));

  const sdk::PolledMessage& preauth = (*read)[1];
  EXPECT_EQ(preauth.event, "priorauth-response");
  EXPECT_EQ(preauth.answer.pre_auth_ref, "PA-77");
  EXPECT_EQ(preauth.answer.request_id, "preauth-a");
  // No response.identifier: the request message comes from the Claim identifier.
  EXPECT_EQ(preauth.request_message_id, message_ids("preauth-a").message_header_id);

  const sdk::PolledMessage& info = (*read)[2];
  EXPECT_EQ(info.event, "communication-request");
  EXPECT_EQ(info.message_id, "m-info");
  EXPECT_EQ(info.request_message_id, "");
  const sdk::InformationRequest& asked = info.information_request;
  EXPECT_EQ(asked.request_id, "CR-501");
  EXPECT_EQ(asked.request_system, kPayer + "/communication-request");
  EXPECT_EQ(asked.claim_request_id, "claim-a");
  EXPECT_EQ(asked.reason, "missing-attachment");
  EXPECT_THAT(asked.questions, ElementsAre("Why was a follow-up billed for " + kPatientName + "?"));
  ASSERT_EQ(asked.documents.size(), 2u);
  EXPECT_EQ(asked.documents[0].content_type, "application/pdf");
  EXPECT_EQ(asked.documents[0].title, "the visit note");
  EXPECT_EQ(asked.documents[1].content_type, "image/jpeg");
  EXPECT_EQ(asked.authored_ms, 1763719200000);  // 2025-11-21T10:00:00Z
  EXPECT_EQ(asked.due_ms, 1764363540000);       // 2025-11-28T20:59:00Z

  const sdk::PolledMessage& paid = (*read)[3];
  EXPECT_EQ(paid.event, "payment-reconciliation");
  const sdk::PaymentReconciliation& p = paid.payment;
  EXPECT_EQ(p.reconciliation_id, "PR-9");
  EXPECT_EQ(p.reconciliation_system, kPayer + "/paymentreconciliation");
  EXPECT_EQ(p.payment_id, "TRX-1");
  EXPECT_DOUBLE_EQ(p.payment_amount, 355.5);
  EXPECT_EQ(p.currency, "SAR");
  EXPECT_EQ(p.payment_date_ms, 1764450000000);  // 2025-11-30 in Riyadh
  EXPECT_EQ(p.period_start_ms, 1761944400000);  // 2025-11-01 in Riyadh
  EXPECT_EQ(p.period_end_ms, p.payment_date_ms);
  ASSERT_EQ(p.details.size(), 3u);
  EXPECT_EQ(p.details[0].claim_request_id, "claim-a");
  EXPECT_EQ(p.details[0].type, "payment");
  EXPECT_DOUBLE_EQ(p.details[0].amount, 300);
  EXPECT_DOUBLE_EQ(p.details[0].early_fee, 3);
  EXPECT_DOUBLE_EQ(p.details[0].nphies_fee, 1.5);
  EXPECT_EQ(p.details[0].date_ms, 1764450000000);
  EXPECT_EQ(p.details[1].claim_request_id, "claim-b");
  EXPECT_DOUBLE_EQ(p.details[1].early_fee, 0);
  EXPECT_EQ(p.details[2].type, "adjustment");
  EXPECT_DOUBLE_EQ(p.details[2].amount, -20);

  const sdk::PolledMessage& advanced = (*read)[4];
  EXPECT_EQ(advanced.event, "advanced-authorization");
  const sdk::AdvancedAuthorization& a = advanced.advanced_authorization;
  EXPECT_EQ(a.pre_auth_ref, "AA-31");
  EXPECT_EQ(a.response_id, "cr-1");
  EXPECT_EQ(a.period_start_ms, 1764536400000);  // 2025-12-01 in Riyadh
  EXPECT_EQ(a.period_end_ms, 1772226000000);    // 2026-02-28 in Riyadh
  ASSERT_EQ(a.patient_identifiers.size(), 1u);
  EXPECT_EQ(a.patient_identifiers[0].system, "http://nphies.sa/identifier/nationalid");
  EXPECT_EQ(a.patient_identifiers[0].value, "1234567890");
  EXPECT_EQ(a.member_id, "M-10001");  // through the relative reference Coverage/1

  const sdk::PolledMessage& error = (*read)[5];
  EXPECT_EQ(error.event, "error-notice");
  EXPECT_EQ(error.request_message_id, "sent-message-1");
  ASSERT_EQ(error.error_notice.errors.size(), 2u);
  EXPECT_EQ(error.error_notice.errors[0].code, "GE-00013");
  EXPECT_EQ(error.error_notice.errors[0].system,
            "http://nphies.sa/terminology/CodeSystem/adjudication-error");
  EXPECT_EQ(error.error_notice.errors[0].display, "The provider licence is not active");
  EXPECT_EQ(error.error_notice.errors[1].code, "invalid");
  EXPECT_EQ(error.error_notice.errors[1].system, "http://hl7.org/fhir/issue-type");
}

TEST(PolledMessageReaderTest, AClaimTheProviderDidNotSendNamesNoKey) {
  json foreign_system = message("communication-request", "m-1", communication_request("claim-a"));
  foreign_system["entry"][1]["resource"]["about"][0]["identifier"]["system"] =
      "http://another-hospital.test/identifier/claim";
  json foreign_value = message("communication-request", "m-2", communication_request("claim-a"));
  foreign_value["entry"][1]["resource"]["about"][0]["identifier"]["value"] = "iMXbxXMGMR";
  json no_system = message("communication-request", "m-3", communication_request("claim-a"));
  no_system["entry"][1]["resource"]["about"][0]["identifier"].erase("system");
  json foreign_payment = message("payment-reconciliation", "m-4", payment_reconciliation());
  foreign_payment["entry"][1]["resource"]["detail"][1]["request"]["identifier"]["value"] = "C-77";
  // An escape that decodes to bytes that are not text names no key either:
  // what the plugin answers must serialise.
  foreign_payment["entry"][1]["resource"]["detail"][2]["request"]["identifier"]["value"] =
      "req_%FF";
  auto read = read_polled_messages(
      poll_response({foreign_system, foreign_value, no_system, foreign_payment}), kReading);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 4u);
  EXPECT_EQ((*read)[0].event, "communication-request");
  EXPECT_EQ((*read)[0].information_request.claim_request_id, "");
  EXPECT_EQ((*read)[1].information_request.claim_request_id, "");
  EXPECT_EQ((*read)[2].information_request.claim_request_id, "claim-a");
  EXPECT_EQ((*read)[3].payment.details[0].claim_request_id, "claim-a");
  EXPECT_EQ((*read)[3].payment.details[1].claim_request_id, "");
  EXPECT_EQ((*read)[3].payment.details[2].claim_request_id, "");
  EXPECT_NO_THROW((void)json(*read).dump());
}

// A change that makes a message unreadable, and what `problem` must say.
struct PolledBreakage {
  std::string name;
  int message;  // index in every_event()
  std::function<void(json&)> apply;
  std::string problem;
};

json& focal(json& m) { return m["entry"][1]["resource"]; }

std::vector<PolledBreakage> polled_breakages() {
  return {
      {"no entries", 0, [](json& m) { m["entry"] = json::object(); }, "has no entries"},
      {"a collection", 0, [](json& m) { m["type"] = "collection"; }, "is not a message Bundle"},
      {"headless", 1, [](json& m) { m["entry"].erase(0); }, "does not start with a MessageHeader"},
      {"no header id", 2, [](json& m) { m["entry"][0]["resource"].erase("id"); },
       "a message of event communication-request without a MessageHeader id"},
      {"a request", 3,
       [](json& m) { m["entry"][0]["resource"]["eventCoding"]["code"] = "claim-request"; },
       "a message of event claim-request, which the plugin does not read"},
      {"not read", 3,
       [](json& m) { m["entry"][0]["resource"]["eventCoding"]["code"] = "fraud-notification"; },
       "event fraud-notification, which the plugin does not read"},
      {"claim response without focus", 0, [](json& m) { m["entry"][0]["resource"].erase("focus"); },
       "has no ClaimResponse focus"},
      {"information request of another type", 2,
       [](json& m) { focal(m)["resourceType"] = "Communication"; },
       "communication-request: no CommunicationRequest focus"},
      {"information request without identifier", 2,
       [](json& m) {
         focal(m)["identifier"] = json::array({{{"system", "s"}}});
       },
       "the CommunicationRequest has no identifier"},
      {"information request asking nothing", 2,
       [](json& m) { focal(m)["payload"] = json::array(); }, "asks nothing"},
      {"payload neither text nor attachment", 2,
       [](json& m) {
         focal(m)["payload"][1] = {{"contentReference", {{"reference", "x"}}}};
       },
       "payload 2 is neither contentString nor contentAttachment"},
      {"due date not a date", 2,
       [](json& m) { focal(m)["occurrenceDateTime"] = "next week, " + kPatientName; },
       "occurrenceDateTime is not a FHIR date or dateTime"},
      {"payment in dollars", 3, [](json& m) { focal(m)["paymentAmount"]["currency"] = "USD"; },
       "paymentAmount is not in SAR"},
      {"payment amount as text", 3, [](json& m) { focal(m)["paymentAmount"]["value"] = "355.50"; },
       "paymentAmount is not a number"},
      {"detail amount in dollars", 3,
       [](json& m) { focal(m)["detail"][2]["amount"]["currency"] = "USD"; },
       "detail 3's amount is not in SAR"},
      {"fee without a number", 3,
       [](json& m) { focal(m)["detail"][0]["extension"][0]["valueMoney"].erase("value"); },
       "detail 1's early-payment fee has no amount"},
      {"detail naming no claim", 3, [](json& m) { focal(m)["detail"][1].erase("request"); },
       "detail 2 names no claim"},
      {"detail of another type", 3,
       [](json& m) { focal(m)["detail"][0]["type"] = coding("http://x", "refund"); },
       "detail 1 is neither a payment nor an adjustment"},
      {"detail date", 3, [](json& m) { focal(m)["detail"][0]["date"] = "30/11/2025"; },
       "detail 1's date is not a FHIR date or dateTime"},
      {"no details", 3, [](json& m) { focal(m).erase("detail"); }, "names no claim (no detail)"},
      {"cancelled reconciliation", 3, [](json& m) { focal(m)["status"] = "cancelled"; },
       "status is cancelled, not active"},
      {"period not dates", 3, [](json& m) { focal(m)["period"]["start"] = 2025; },
       "period's start is not a FHIR date"},
      {"authorization without reference", 4, [](json& m) { focal(m).erase("preAuthRef"); },
       "the ClaimResponse has no preAuthRef"},
      {"authorization of a claim", 4, [](json& m) { focal(m)["use"] = "claim"; },
       "not of use preauthorization"},
      {"authorization naming nobody", 4,
       [](json& m) {
         focal(m)["patient"]["reference"] = "Patient/404";
         focal(m)["insurance"][0]["coverage"]["reference"] = "Patient/3";
       },
       "names neither a patient identifier nor a member id"},
      {"error notice without issues", 5,
       [](json& m) {
         focal(m)["issue"] = json::array({{{"severity", "error"}}});
       },
       "the OperationOutcome names no error"},
      {"error notice focused elsewhere", 5,
       [](json& m) { m["entry"][0]["resource"]["focus"][0]["reference"] = "Patient/3"; },
       "error-notice: no OperationOutcome focus"},
  };
}

TEST(PolledMessageReaderTest, EachBadMessageIsUnreadableAndTheOthersAreStillRead) {
  for (const PolledBreakage& b : polled_breakages()) {
    std::vector<json> messages = every_event();
    json broken = messages[b.message];
    b.apply(broken);
    messages[b.message] = broken;
    auto read = read_polled_messages(poll_response(messages), kReading);
    ASSERT_TRUE(read.ok()) << b.name << ": " << read.error().message;
    ASSERT_EQ(read->size(), 6u) << b.name;
    for (std::size_t i = 0; i < read->size(); ++i) {
      const sdk::PolledMessage& m = (*read)[i];
      if (static_cast<int>(i) != b.message) {
        EXPECT_EQ(m.event, every_event()[i]["entry"][0]["resource"]["eventCoding"]["code"])
            << b.name << ": message " << i << ": " << m.problem;
        continue;
      }
      EXPECT_EQ(m.event, "unreadable") << b.name;
      EXPECT_THAT(m.problem, HasSubstr(b.problem)) << b.name;
      EXPECT_THAT(m.problem, Not(HasSubstr(kPatientName))) << b.name;
      EXPECT_THAT(m.problem, Not(HasSubstr("1234567890"))) << b.name;
      EXPECT_LT(m.problem.size(), 160u) << b.name << ": " << m.problem;
      EXPECT_EQ(m.raw, broken) << b.name;
      const json* entries = array_member(broken, "entry");
      const json* header = entries != nullptr ? member((*entries)[0], "resource") : nullptr;
      if (header != nullptr && text(*header, "resourceType") == "MessageHeader") {
        EXPECT_EQ(m.message_id, text(*header, "id")) << b.name;
      }
    }
  }
}

TEST(PolledMessageReaderTest, AnEventThePollDidNotAskForIsUnreadable) {
  PolledReading claims_only{{"claim-response"}, kClaimSystem};
  auto read = read_polled_messages(poll_response(every_event()), claims_only);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 6u);
  EXPECT_EQ((*read)[0].event, "claim-response");
  for (std::size_t i = 1; i < read->size(); ++i) {
    EXPECT_EQ((*read)[i].event, "unreadable");
    EXPECT_THAT((*read)[i].problem, HasSubstr("which the poll did not ask for"));
    EXPECT_FALSE((*read)[i].message_id.empty());
  }
}

TEST(PolledMessageReaderTest, OnlyAnAnswerThatIsNoPollResponseFailsThePoll) {
  auto empty = read_polled_messages(poll_response({}), kReading);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  json not_poll = every_event()[0];
  auto refused = read_polled_messages(not_poll, kReading);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("is a claim-response, not a poll-response"));
  EXPECT_FALSE(read_polled_messages(json::object(), kReading).ok());
  EXPECT_FALSE(read_polled_messages(json("poll-response"), kReading).ok());
  // A nested entry that is no Bundle is no message: skipped, like the Task.
  json odd_entry = poll_response(every_event());
  odd_entry["entry"][6]["resource"] = json::array({1});
  odd_entry["entry"][7]["resource"] = {{"resourceType", "Parameters"}};
  EXPECT_EQ(read_polled_messages(odd_entry, kReading)->size(), 4u);
  // Read alone, it is unreadable.
  sdk::PolledMessage alone = read_polled_message(json::array({1}), kReading);
  EXPECT_EQ(alone.event, "unreadable");
  EXPECT_THAT(alone.problem, HasSubstr("is not a FHIR Bundle"));
}

TEST(PolledMessageReaderTest, ShapesOfEveryWrongTypeAreUnreadableNeverThrown) {
  const std::vector<json> odd = {nullptr,
                                 7,
                                 "text",
                                 json::array(),
                                 json::object(),
                                 json::array({nullptr}),
                                 json::object({{"x", json::array()}})};
  std::size_t read_count = 0;
  for (std::size_t which = 0; which < 6; ++which) {
    const json good = every_event()[which];
    // Every member of the focal resource, and of its first-level elements,
    // replaced by each odd value in turn.
    std::vector<std::vector<std::string>> paths;
    for (const auto& [name, value] : good["entry"][1]["resource"].items()) {
      paths.push_back({name});
      if (value.is_object()) {
        for (const auto& [inner, ignored] : value.items()) paths.push_back({name, inner});
      } else if (value.is_array() && !value.empty()) {
        paths.push_back({name, "0"});
      }
    }
    for (const auto& path : paths) {
      for (const json& value : odd) {
        json m = good;
        json* at = &m["entry"][1]["resource"];
        for (std::size_t i = 0; i + 1 < path.size(); ++i) {
          at = at->is_array() ? &(*at)[std::stoul(path[i])] : &(*at)[path[i]];
        }
        if (at->is_array()) {
          (*at)[std::stoul(path.back())] = value;
        } else {
          (*at)[path.back()] = value;
        }
        sdk::PolledMessage got;
        ASSERT_NO_THROW(got = read_polled_message(m, kReading));
        ASSERT_NO_THROW((void)json(got).dump());
        EXPECT_TRUE(got.event == "unreadable" ||
                    got.event == good["entry"][0]["resource"]["eventCoding"]["code"]);
        EXPECT_EQ(got.raw, m);
        ++read_count;
      }
    }
  }
  EXPECT_GT(read_count, 500u);
}

TEST(PolledMessageReaderTest, LargeInputCostsLinearTimeAndAtMostOneHundredMessagesAreRead) {
  json paid = message("payment-reconciliation", "m-big", payment_reconciliation());
  json& details = focal(paid)["detail"];
  const json one = details[0];
  for (int i = 0; i < 20000; ++i) details.push_back(one);
  json many_questions = message("communication-request", "m-q", communication_request("claim-a"));
  for (int i = 0; i < 20000; ++i) {
    focal(many_questions)["payload"].push_back({{"contentString", "q"}});
  }
  std::vector<json> messages(150, every_event()[5]);
  messages[0] = paid;
  messages[1] = many_questions;
  const auto started = std::chrono::steady_clock::now();
  auto read = read_polled_messages(poll_response(messages), kReading);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), kMaxPolledMessages);
  EXPECT_EQ((*read)[0].payment.details.size(), 20003u);
  EXPECT_EQ((*read)[1].information_request.questions.size(), 20001u);
  EXPECT_LT(took, std::chrono::seconds(20));
}

const std::filesystem::path kPolledSamples = std::filesystem::path(WASL_SHARED_DATA_DIR) / "nphies";

// Every CHI sample through the reader of its event: responses read without
// an error, a poll-response's messages without one unreadable, requests
// named by a known event. A sample of an event not listed here fails.
TEST(PolledMessageReaderTest, EverySampleIsReadByTheReaderOfItsEvent) {
  std::map<std::string, int> by_event;
  for (const auto& file : std::filesystem::directory_iterator(kPolledSamples)) {
    const std::string name = file.path().stem().string();
    if (file.path().extension() != ".json" || name == "ksa-message-events.derived") continue;
    std::ifstream in(file.path());
    const json bundle = json::parse(in);
    const std::string event = message_event(bundle);
    ++by_event[event];
    if (event == "poll-response") {
      const std::vector<std::string> asked = {"claim-response"};
      auto read =
          read_polled_messages(bundle, PolledReading{asked, "http://happyvalley.com/claim"});
      ASSERT_TRUE(read.ok()) << name << ": " << read.error().message;
      ASSERT_FALSE(read->empty()) << name;
      for (const auto& m : *read) {
        EXPECT_EQ(m.event, "claim-response") << name << ": " << m.problem;
        EXPECT_FALSE(m.message_id.empty()) << name;
      }
    } else if (event == "status-response") {
      auto read = read_status_response(bundle);
      ASSERT_TRUE(read.ok()) << name << ": " << read.error().message;
    } else if (event == "eligibility-response" || event == "claim-response" ||
               event == "priorauth-response" || event == "cancel-response") {
      auto read = read_response(bundle);
      ASSERT_TRUE(read.ok()) << name << ": " << read.error().message;
      EXPECT_FALSE(read->message_id.empty()) << name;
    } else if (event == "eligibility-request" || event == "claim-request" ||
               event == "priorauth-request" || event == "cancel-request" ||
               event == "status-check" || event == "poll-request") {
      // What the provider sends: read by the peer, named here.
      EXPECT_EQ(read_polled_message(bundle, kReading).event, "unreadable") << name;
    } else {
      ADD_FAILURE() << name << ": a sample of event " << event << " no test reads";
    }
  }
  EXPECT_EQ(by_event["poll-response"], 1);
  EXPECT_EQ(by_event["eligibility-response"], 2);
  EXPECT_EQ(by_event["status-response"], 1);
  EXPECT_EQ(by_event["cancel-response"], 1);
  EXPECT_EQ(by_event["priorauth-response"], 1);
}

}  // namespace
}  // namespace wasl::plugins::nphies
