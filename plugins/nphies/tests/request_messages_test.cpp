#include "plugins/nphies/request_messages.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/tests/test_claims.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::test_claim;
using testing::test_eligibility;
using testing::test_settings;

constexpr std::int64_t kNow = 1763719200000;  // 2025-11-21T10:00:00Z
const std::string kProfiles = "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/";
// The profile version the test settings name (schema.json's default).
const std::string kVersion = "|0.3.0";

const json& resource_of(const json& bundle, const std::string& type) {
  for (const auto& e : bundle["entry"]) {
    if (e["resource"]["resourceType"] == type) return e["resource"];
  }
  static const json none;
  ADD_FAILURE() << "no " << type;
  return none;
}

// The NPHIES envelope every request message shares.
void expect_envelope(const json& bundle, const std::string& event, const std::string& focal_type) {
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "message");
  EXPECT_EQ(bundle["meta"]["profile"][0], kProfiles + "bundle" + kVersion);
  const json& header = bundle["entry"][0]["resource"];
  ASSERT_EQ(header["resourceType"], "MessageHeader");
  EXPECT_EQ(header["eventCoding"]["system"],
            "http://nphies.sa/terminology/CodeSystem/ksa-message-events");
  EXPECT_EQ(header["eventCoding"]["code"], event);
  EXPECT_EQ(header["sender"]["identifier"]["system"], "http://nphies.sa/license/provider-license");
  EXPECT_EQ(header["sender"]["identifier"]["value"], "N-F-00001");
  for (const auto& e : bundle["entry"]) {
    ASSERT_TRUE(e.contains("fullUrl"));
    const json& profiles = e["resource"]["meta"]["profile"];
    ASSERT_EQ(profiles.size(), 1u) << e["resource"]["resourceType"];
    EXPECT_EQ(profiles[0].get<std::string>().rfind(kProfiles, 0), 0u);
    EXPECT_THAT(profiles[0].get<std::string>(), ::testing::EndsWith(kVersion));
  }
  if (focal_type.empty()) {
    EXPECT_FALSE(header.contains("focus"));
    return;
  }
  const std::string focus = header["focus"][0]["reference"];
  bool found = false;
  for (const auto& e : bundle["entry"]) {
    if (e["fullUrl"] == focus) {
      EXPECT_EQ(e["resource"]["resourceType"], focal_type);
      found = true;
    }
  }
  EXPECT_TRUE(found) << "focus " << focus << " is no entry's fullUrl";
}

TEST(RequestMessagesTest, EligibilityRequestFollowsTheNphiesEnvelope) {
  auto message = eligibility_request_message(test_settings(), test_eligibility(), kNow);
  ASSERT_TRUE(message.ok()) << message.error().message;
  expect_envelope(*message, "eligibility-request", "CoverageEligibilityRequest");
  const json& header = (*message)["entry"][0]["resource"];
  EXPECT_EQ(header["destination"][0]["receiver"]["identifier"]["system"],
            "http://nphies.sa/license/payer-license");
  EXPECT_EQ(header["destination"][0]["receiver"]["identifier"]["value"], "N-I-00001");
  const json& ask = resource_of(*message, "CoverageEligibilityRequest");
  EXPECT_EQ(ask["purpose"], json({"benefits", "validation"}));
  EXPECT_EQ(ask["servicedDate"], "2025-11-21");
  EXPECT_EQ(ask["meta"]["profile"][0], kProfiles + "eligibility-request" + kVersion);
  const json& patient = resource_of(*message, "Patient");
  // 2… with an unknown system: an iqama.
  EXPECT_EQ(patient["identifier"].size(), 1u);
  EXPECT_EQ(patient["identifier"][0]["system"], "http://nphies.sa/identifier/iqama");
  EXPECT_EQ(patient["identifier"][0]["type"]["coding"][0]["code"], "PRC");
  EXPECT_EQ(patient["_gender"]["extension"][0]["url"],
            kProfiles + "extension-ksa-administrative-gender");
  EXPECT_EQ(patient["_gender"]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
            "female");
  EXPECT_EQ(patient["name"][0]["text"], "فاطمة الزهراني");
}

TEST(RequestMessagesTest, IdsComeFromTheIdempotencyKeyOnly) {
  auto first = claim_request_message(test_settings(), test_claim("wasl-a"), kNow);
  auto resend = claim_request_message(test_settings(), test_claim("wasl-a"), kNow + 3600000);
  auto other = claim_request_message(test_settings(), test_claim("wasl-b"), kNow);
  ASSERT_TRUE(first.ok() && resend.ok() && other.ok());
  EXPECT_EQ((*first)["id"], (*resend)["id"]);
  EXPECT_EQ((*first)["entry"][0]["resource"]["id"], (*resend)["entry"][0]["resource"]["id"]);
  EXPECT_EQ(resource_of(*first, "Claim")["identifier"],
            resource_of(*resend, "Claim")["identifier"]);
  EXPECT_NE((*first)["id"], (*other)["id"]);
  EXPECT_NE(resource_of(*first, "Claim")["identifier"], resource_of(*other, "Claim")["identifier"]);
  MessageIds ids = message_ids("wasl-a");
  EXPECT_EQ((*first)["id"], ids.bundle_id);
  EXPECT_EQ(resource_of(*first, "Claim")["identifier"][0]["value"], ids.business_id);
  EXPECT_EQ(message_header_id_of(ids.business_id), ids.message_header_id);
}

// Every nphies-fs profile of a message names the settings' profile_version.
TEST(RequestMessagesTest, EveryProfileNamesTheConfiguredVersion) {
  for (const std::string version : {"0.3.0", "1.0.0"}) {
    auto message = claim_request_message(test_settings(version), test_claim(), kNow);
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_EQ((*message)["meta"]["profile"][0], kProfiles + "bundle|" + version);
    for (const auto& e : (*message)["entry"]) {
      for (const auto& profile : e["resource"]["meta"]["profile"]) {
        EXPECT_THAT(profile.get<std::string>(), ::testing::EndsWith("|" + version));
      }
    }
  }
}

TEST(RequestMessagesTest, VirtualConsultationClaim) {
  auto message = claim_request_message(test_settings(), test_claim(), kNow);
  ASSERT_TRUE(message.ok()) << message.error().message;
  expect_envelope(*message, "claim-request", "Claim");
  const json& claim = resource_of(*message, "Claim");
  EXPECT_EQ(claim["meta"]["profile"][0], kProfiles + "professional-claim" + kVersion);
  EXPECT_EQ(claim["use"], "claim");
  EXPECT_EQ(claim["type"]["coding"][0],
            json({{"system", "http://terminology.hl7.org/CodeSystem/claim-type"},
                  {"code", "professional"}}));
  EXPECT_EQ(claim["subType"]["coding"][0]["code"], "op");
  EXPECT_EQ(claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"], "Z71.9");
  EXPECT_EQ(claim["diagnosis"][0]["type"][0]["coding"][0]["code"], "principal");
  const json& item = claim["item"][0];
  EXPECT_EQ(item["productOrService"]["coding"][0]["code"], "83600-00-10");
  EXPECT_EQ(item["unitPrice"], json({{"value", 150.0}, {"currency", "SAR"}}));
  EXPECT_EQ(item["net"], json({{"value", 172.5}, {"currency", "SAR"}}));
  EXPECT_EQ(claim["total"], json({{"value", 172.5}, {"currency", "SAR"}}));
  // The encounter extension points at a virtual Encounter in the message.
  const json& ext = claim["extension"][0];
  EXPECT_EQ(ext["url"], kProfiles + "extension-encounter");
  const json& encounter = resource_of(*message, "Encounter");
  EXPECT_EQ(encounter["class"]["code"], "VR");
  EXPECT_EQ(encounter["meta"]["profile"][0], kProfiles + "encounter-auth-VR" + kVersion);
  bool pointed = false;
  for (const auto& e : (*message)["entry"]) {
    if (e["fullUrl"] == ext["valueReference"]["reference"]) pointed = e["resource"] == encounter;
  }
  EXPECT_TRUE(pointed);
  const json& practitioner = resource_of(*message, "Practitioner");
  EXPECT_EQ(practitioner["identifier"][0]["system"],
            "http://nphies.sa/license/practitioner-license");
  EXPECT_EQ(practitioner["identifier"][0]["value"], "N-P-00003");
}

// The net is computed from the unit price and tax as written (to the
// halala), so that quantity × unitPrice + tax = net holds for what is sent.
TEST(RequestMessagesTest, ItemAmountsAddUpAsWritten) {
  sdk::Claim claim = test_claim();
  claim.items[0].quantity = 3;
  claim.items[0].unit_price = 33.333;
  claim.items[0].tax = 4.999;
  auto message = claim_request_message(test_settings(), claim, kNow);
  ASSERT_TRUE(message.ok()) << message.error().message;
  const json& item = resource_of(*message, "Claim")["item"][0];
  EXPECT_EQ(item["unitPrice"]["value"], 33.33);
  EXPECT_EQ(item["extension"][0]["valueMoney"]["value"], 5.0);
  EXPECT_EQ(item["net"]["value"], 104.99);  // 3 × 33.33 + 5.00
  EXPECT_EQ(resource_of(*message, "Claim")["total"]["value"], 104.99);
}

TEST(RequestMessagesTest, EligibilityReferenceAndPriorAuthorization) {
  sdk::Claim claim = test_claim();
  claim.eligibility_response_id = "resp_1";
  claim.eligibility_response_system = "http://payer.test/eligibility";
  claim.use = "preauthorization";
  auto message = claim_request_message(test_settings(), claim, kNow);
  ASSERT_TRUE(message.ok()) << message.error().message;
  expect_envelope(*message, "priorauth-request", "Claim");
  const json& focal = resource_of(*message, "Claim");
  EXPECT_EQ(focal["meta"]["profile"][0], kProfiles + "professional-priorauth" + kVersion);
  EXPECT_EQ(focal["extension"][1]["url"], kProfiles + "extension-eligibility-response");
  EXPECT_EQ(focal["extension"][1]["valueReference"]["identifier"]["value"], "resp_1");
}

TEST(RequestMessagesTest, TasksForCancelPollAndAcknowledgement) {
  sdk::CancelRequest cancel{"wasl-cancel-1", "wasl-a", "NP", "N-F-00001", "N-I-00001"};
  auto c = cancel_request_message(test_settings(), cancel, kNow);
  ASSERT_TRUE(c.ok()) << c.error().message;
  expect_envelope(*c, "cancel-request", "Task");
  const json& task = resource_of(*c, "Task");
  EXPECT_EQ(task["code"]["coding"][0]["code"], "cancel");
  EXPECT_EQ(task["focus"]["identifier"]["value"], message_ids("wasl-a").business_id);

  sdk::PollRequest poll;
  poll.idempotency_key = "wasl-poll-1";
  poll.max_messages = 500;
  poll.provider_license = "N-F-00001";
  auto p = poll_request_message(test_settings(), poll, kNow);
  ASSERT_TRUE(p.ok()) << p.error().message;
  expect_envelope(*p, "poll-request", "Task");
  EXPECT_EQ((*p)["entry"][0]["resource"]["destination"][0]["receiver"]["identifier"]["system"],
            "http://nphies.sa/license/nphies");
  const json& inputs = resource_of(*p, "Task")["input"];
  EXPECT_EQ(inputs[0]["type"]["coding"][0]["code"], "include-message-type");
  EXPECT_EQ(inputs[0]["valueCode"], "claim-response");
  EXPECT_EQ(inputs[1]["type"]["coding"][0]["code"], "count");
  EXPECT_EQ(inputs[1]["valuePositiveInt"], 100);  // never more than NPHIES allows

  sdk::AcknowledgeRequest ack{"wasl-ack-1", "b0e34662-3b06-11ec-b009-e1ad19b60bd0", "N-F-00001"};
  auto a = acknowledgement_message(test_settings(), ack, kNow);
  ASSERT_TRUE(a.ok()) << a.error().message;
  expect_envelope(*a, "acknowledgement", "");
  EXPECT_EQ((*a)["entry"][0]["resource"]["response"]["identifier"], ack.message_id);
}

// kind nullify reverses an adjudicated claim: the same cancel-request
// event and Task, code nullify, naming the claim as its claim-request did.
TEST(RequestMessagesTest, NullifyIsATaskOfCodeNullifyNamingTheClaim) {
  sdk::Claim claim = test_claim();
  auto sent = claim_request_message(test_settings(), claim, kNow);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  const json& claim_identifier = resource_of(*sent, "Claim")["identifier"][0];

  sdk::CancelRequest nullify{"wasl-nullify-1", claim.idempotency_key, "WI",
                             "N-F-00001",      "N-I-00001",           "nullify"};
  auto n = cancel_request_message(test_settings(), nullify, kNow);
  ASSERT_TRUE(n.ok()) << n.error().message;
  expect_envelope(*n, "cancel-request", "Task");
  const json& task = resource_of(*n, "Task");
  EXPECT_EQ(task["code"]["coding"][0]["system"],
            "http://nphies.sa/terminology/CodeSystem/task-code");
  EXPECT_EQ(task["code"]["coding"][0]["code"], "nullify");
  EXPECT_EQ(task["status"], "requested");
  EXPECT_EQ(task["intent"], "order");
  EXPECT_EQ(task["focus"]["type"], "Claim");
  EXPECT_EQ(task["focus"]["identifier"], claim_identifier);
  EXPECT_EQ(task["reasonCode"]["coding"][0]["system"],
            "http://nphies.sa/terminology/CodeSystem/task-reason-code");
  EXPECT_EQ(task["reasonCode"]["coding"][0]["code"], "WI");
  EXPECT_EQ(task["identifier"][0]["value"], message_ids("wasl-nullify-1").business_id);
  EXPECT_EQ((*n)["id"], message_ids("wasl-nullify-1").bundle_id);
  // The same request again is the same message.
  auto again = cancel_request_message(test_settings(), nullify, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["entry"][0]["resource"]["id"], (*n)["entry"][0]["resource"]["id"]);

  // Each reason the plugin knows goes out as given; an empty kind cancels.
  for (const char* reason : {"WI", "NP", "TAS", "SU"}) {
    sdk::CancelRequest r{"wasl-cancel-r", claim.idempotency_key, reason,
                         "N-F-00001",     "N-I-00001",           ""};
    auto m = cancel_request_message(test_settings(), r, kNow);
    ASSERT_TRUE(m.ok()) << reason << ": " << m.error().message;
    EXPECT_EQ(resource_of(*m, "Task")["reasonCode"]["coding"][0]["code"], reason);
    EXPECT_EQ(resource_of(*m, "Task")["code"]["coding"][0]["code"], "cancel");
  }
  sdk::CancelRequest other_kind = nullify;
  other_kind.kind = "reverse";
  auto refused = cancel_request_message(test_settings(), other_kind, kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(refused.error().message, HasSubstr("cancel or nullify"));
  sdk::CancelRequest other_reason = nullify;
  other_reason.reason = "XX";
  auto unknown = cancel_request_message(test_settings(), other_reason, kNow);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error().message, HasSubstr("WI, NP, TAS or SU"));
}

// A resubmission names the rejected claim it replaces in Claim.related, by
// the identifier that claim's own claim-request carried.
TEST(RequestMessagesTest, AResubmissionRelatesThePriorClaimByItsIdentifier) {
  sdk::Claim rejected = test_claim();
  rejected.idempotency_key = "wasl-0123456789abcdef0123456789abcdef";
  auto first = claim_request_message(test_settings(), rejected, kNow);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(resource_of(*first, "Claim").contains("related")) << "it replaces none";
  const json& prior_identifier = resource_of(*first, "Claim")["identifier"][0];

  sdk::Claim resubmitted = rejected;
  resubmitted.idempotency_key = "wasl-resubmit-1";
  resubmitted.related_request_id = rejected.idempotency_key;
  auto m = claim_request_message(test_settings(), resubmitted, kNow);
  ASSERT_TRUE(m.ok()) << m.error().message;
  expect_envelope(*m, "claim-request", "Claim");
  const json& focal = resource_of(*m, "Claim");
  EXPECT_EQ(focal["identifier"][0]["value"], message_ids("wasl-resubmit-1").business_id);
  ASSERT_EQ(focal["related"].size(), 1u) << focal.dump();
  const json& related = focal["related"][0];
  EXPECT_EQ(related["claim"]["identifier"], prior_identifier);
  EXPECT_EQ(related["claim"]["identifier"]["value"], "req_wasl-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(related["relationship"]["coding"][0]["system"],
            "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship");
  EXPECT_EQ(related["relationship"]["coding"][0]["code"], "prior");

  resubmitted.related_relationship = "associated";
  auto associated = claim_request_message(test_settings(), resubmitted, kNow);
  ASSERT_TRUE(associated.ok()) << associated.error().message;
  EXPECT_EQ(resource_of(*associated, "Claim")["related"][0]["relationship"]["coding"][0]["code"],
            "associated");
  resubmitted.related_relationship = "replaces";
  auto unknown = claim_request_message(test_settings(), resubmitted, kNow);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_THAT(unknown.error().message, HasSubstr("prior or associated"));
  resubmitted.related_relationship.clear();
  resubmitted.related_request_id = resubmitted.idempotency_key;
  auto itself = claim_request_message(test_settings(), resubmitted, kNow);
  ASSERT_FALSE(itself.ok());
  EXPECT_THAT(itself.error().message, HasSubstr("itself"));
}

TEST(RequestMessagesTest, StatusCheckNamesTheClaimAsItsRequestCarriedIt) {
  sdk::Claim claim = test_claim();
  auto sent = claim_request_message(test_settings(), claim, kNow);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  const json& claim_identifier = resource_of(*sent, "Claim")["identifier"][0];

  sdk::StatusCheckRequest check{"wasl-status-1", claim.idempotency_key, "N-F-00001", "N-I-00001"};
  auto m = status_check_message(test_settings(), check, kNow);
  ASSERT_TRUE(m.ok()) << m.error().message;
  expect_envelope(*m, "status-check", "Task");
  const json& header = (*m)["entry"][0]["resource"];
  EXPECT_EQ(header["destination"][0]["receiver"]["identifier"]["system"],
            "http://nphies.sa/license/payer-license");
  EXPECT_EQ(header["destination"][0]["receiver"]["identifier"]["value"], "N-I-00001");
  // The check's own ids, never the claim's.
  EXPECT_EQ(header["id"], message_ids("wasl-status-1").message_header_id);
  EXPECT_NE(header["id"], (*sent)["entry"][0]["resource"]["id"]);
  const json& task = resource_of(*m, "Task");
  EXPECT_EQ(task["code"]["coding"][0]["system"],
            "http://nphies.sa/terminology/CodeSystem/task-code");
  EXPECT_EQ(task["code"]["coding"][0]["code"], "status");
  EXPECT_EQ(task["status"], "requested");
  EXPECT_EQ(task["intent"], "order");
  EXPECT_EQ(task["focus"]["type"], "Claim");
  EXPECT_EQ(task["focus"]["identifier"], claim_identifier);
  const json& provider = resource_of(*m, "Organization");
  EXPECT_EQ(task["requester"]["reference"].get<std::string>().find(
                provider["id"].get<std::string>()) != std::string::npos,
            true);
  EXPECT_TRUE(task["owner"].contains("reference"));

  // A second check of the same claim is a new message about the same claim.
  check.idempotency_key = "wasl-status-2";
  auto again = status_check_message(test_settings(), check, kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_NE((*again)["entry"][0]["resource"]["id"], header["id"]);
  EXPECT_EQ(resource_of(*again, "Task")["focus"], task["focus"]);

  check.payer_license.clear();
  EXPECT_THAT(status_check_message(test_settings(), check, kNow).error().message,
              HasSubstr("payer licences"));
}

// A PDF and a JPEG as an operator attaches them.
const std::string kPdf = std::string("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n%%EOF\n");
const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01", 16);

CommunicationAnswer test_answer() {
  CommunicationAnswer a;
  a.idempotency_key = "wasl-answer-1";
  a.request_id = "CR-501";
  a.request_system = "http://payer.example/communication-request";
  a.claim_request_id = test_claim().idempotency_key;
  a.texts = {"The follow-up was a separate consultation."};
  a.attachments = {{"application/pdf", "Visit note", sdk::base64_encode(kPdf), kNow - 3600000},
                   {"image/jpeg", "Prescription", sdk::base64_encode(kJpeg), 0}};
  a.provider_license = "N-F-00001";
  a.provider_name = "Hospital A";
  a.payer_license = "N-I-00001";
  a.patient = testing::test_patient();
  return a;
}

TEST(RequestMessagesTest, CommunicationAnswersTheRequestAboutTheClaim) {
  auto sent = claim_request_message(test_settings(), test_claim(), kNow);
  ASSERT_TRUE(sent.ok());
  auto m = communication_message(test_settings(), test_answer(), kNow);
  ASSERT_TRUE(m.ok()) << m.error().message;
  expect_envelope(*m, "communication", "Communication");
  const json& header = (*m)["entry"][0]["resource"];
  EXPECT_EQ(header["destination"][0]["receiver"]["identifier"]["value"], "N-I-00001");
  EXPECT_EQ(header["id"], message_ids("wasl-answer-1").message_header_id);
  const json& c = resource_of(*m, "Communication");
  EXPECT_EQ(c["meta"]["profile"][0], kProfiles + "communication" + kVersion);
  EXPECT_EQ(c["identifier"][0]["system"], "http://hospital.test/communication");
  EXPECT_EQ(c["identifier"][0]["value"], message_ids("wasl-answer-1").business_id);
  EXPECT_EQ(c["status"], "completed");
  EXPECT_FALSE(c.contains("statusReason"));
  EXPECT_EQ(c["basedOn"][0]["type"], "CommunicationRequest");
  EXPECT_EQ(c["basedOn"][0]["identifier"],
            json({{"value", "CR-501"}, {"system", "http://payer.example/communication-request"}}));
  // about: the Claim identifier exactly as the claim-request carried it.
  EXPECT_EQ(c["about"][0]["type"], "Claim");
  EXPECT_EQ(c["about"][0]["identifier"], resource_of(*sent, "Claim")["identifier"][0]);
  EXPECT_EQ(c["sent"], "2025-11-21T13:00:00.000+03:00");
  const auto entry_of = [&](const std::string& type) {
    for (const auto& e : (*m)["entry"]) {
      if (e["resource"]["resourceType"] == type) return e["fullUrl"].get<std::string>();
    }
    return std::string();
  };
  EXPECT_EQ(c["subject"]["reference"], entry_of("Patient"));
  EXPECT_THAT(c["sender"]["reference"].get<std::string>(), HasSubstr("/Organization/"));
  EXPECT_NE(c["sender"], c["recipient"][0]);
  ASSERT_EQ(c["payload"].size(), 3u);
  EXPECT_EQ(c["payload"][0]["contentString"], "The follow-up was a separate consultation.");
  const json& pdf = c["payload"][1]["contentAttachment"];
  EXPECT_EQ(pdf["contentType"], "application/pdf");
  EXPECT_EQ(pdf["title"], "Visit note");
  EXPECT_EQ(pdf["size"], kPdf.size());
  EXPECT_EQ(*sdk::base64_decode(pdf["data"].get<std::string>()), kPdf);
  EXPECT_EQ(pdf["creation"], "2025-11-21T12:00:00.000+03:00");
  const json& jpeg = c["payload"][2]["contentAttachment"];
  EXPECT_EQ(jpeg["contentType"], "image/jpeg");
  EXPECT_EQ(jpeg["size"], 16);
  EXPECT_FALSE(jpeg.contains("creation"));

  // A resend is the same message; an unsolicited one has no basedOn.
  auto resend = communication_message(test_settings(), test_answer(), kNow + 60000);
  ASSERT_TRUE(resend.ok());
  EXPECT_EQ((*resend)["id"], (*m)["id"]);
  EXPECT_EQ(resource_of(*resend, "Communication")["identifier"], c["identifier"]);
  CommunicationAnswer unsolicited = test_answer();
  unsolicited.request_id.clear();
  auto alone = communication_message(test_settings(), unsolicited, kNow);
  ASSERT_TRUE(alone.ok());
  EXPECT_FALSE(resource_of(*alone, "Communication").contains("basedOn"));
}

TEST(RequestMessagesTest, CommunicationThatCannotSupplyIsNotDone) {
  CommunicationAnswer a = test_answer();
  a.attachments.clear();
  a.texts.clear();
  a.cannot_supply_reason = "The visit note was not kept for a tele-consultation";
  auto m = communication_message(test_settings(), a, kNow);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const json& c = resource_of(*m, "Communication");
  EXPECT_EQ(c["status"], "not-done");
  EXPECT_EQ(c["statusReason"]["text"], a.cannot_supply_reason);
  EXPECT_FALSE(c.contains("payload"));
  a.attachments = test_answer().attachments;
  EXPECT_THAT(communication_message(test_settings(), a, kNow).error().message,
              HasSubstr("carries no attachment"));
}

TEST(RequestMessagesTest, CommunicationAttachmentsAreCheckedBeforeSending) {
  const auto refused = [](const std::function<void(CommunicationAnswer&)>& change) {
    CommunicationAnswer a = test_answer();
    change(a);
    auto m = communication_message(test_settings(), a, kNow);
    EXPECT_FALSE(m.ok());
    return m.ok() ? std::string() : m.error().message;
  };
  EXPECT_THAT(refused([](auto& a) { a.attachments[0].content_type = "image/png"; }),
              HasSubstr("attachment 1 is neither application/pdf nor image/jpeg"));
  EXPECT_THAT(refused([](auto& a) { a.attachments[1].data_base64 = sdk::base64_encode(kPdf); }),
              HasSubstr("attachment 2 does not begin as image/jpeg does"));
  EXPECT_THAT(refused([](auto& a) { a.attachments[0].data_base64 = sdk::base64_encode(kJpeg); }),
              HasSubstr("attachment 1 does not begin as application/pdf does"));
  EXPECT_THAT(refused([](auto& a) { a.attachments[0].data_base64 = "not base64!"; }),
              HasSubstr("attachment 1 is not base64"));
  EXPECT_THAT(refused([](auto& a) { a.attachments[0].data_base64 = ""; }),
              HasSubstr("attachment 1 is empty"));
  EXPECT_THAT(refused([](auto& a) { a.attachments[0].title.clear(); }),
              HasSubstr("a title for attachment 1"));
  EXPECT_THAT(refused([](auto& a) {
                a.texts.clear();
                a.attachments.clear();
              }),
              HasSubstr("a text, an attachment or the reason"));
  EXPECT_THAT(refused([](auto& a) { a.claim_request_id.clear(); }), HasSubstr("the claim"));
  EXPECT_THAT(refused([](auto& a) { a.payer_license.clear(); }), HasSubstr("licences"));
  // 10 MiB of PDF: more than a message may be; the content is never quoted.
  const std::string message = refused([](auto& a) {
    a.attachments[0].data_base64 = sdk::base64_encode(kPdf + std::string(8 << 20, 'x'));
  });
  EXPECT_THAT(message, HasSubstr("more than the 10485760 a message may be"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("xxx")));
}

TEST(RequestMessagesTest, PaymentNoticeNamesTheReconciliationAndItsAmount) {
  PaymentNoticeRequest request{
      "wasl-notice-1", "PR-9",      "http://payer.example/paymentreconciliation",
      355.5,           "N-F-00001", "N-I-00001"};
  auto m = payment_notice_message(test_settings(), request, kNow);
  ASSERT_TRUE(m.ok()) << m.error().message;
  expect_envelope(*m, "payment-notice", "PaymentNotice");
  const json& notice = resource_of(*m, "PaymentNotice");
  EXPECT_EQ(notice["meta"]["profile"][0], kProfiles + "payment-notice" + kVersion);
  EXPECT_EQ(notice["identifier"][0]["system"], "http://hospital.test/paymentnotice");
  EXPECT_EQ(notice["identifier"][0]["value"], message_ids("wasl-notice-1").business_id);
  EXPECT_EQ(notice["status"], "active");
  EXPECT_EQ(notice["created"], "2025-11-21");
  EXPECT_EQ(notice["payment"]["type"], "PaymentReconciliation");
  EXPECT_EQ(notice["payment"]["identifier"],
            json({{"value", "PR-9"}, {"system", "http://payer.example/paymentreconciliation"}}));
  EXPECT_EQ(notice["amount"], json({{"value", 355.5}, {"currency", "SAR"}}));
  EXPECT_EQ(notice["paymentStatus"]["coding"][0]["system"],
            "http://terminology.hl7.org/CodeSystem/paymentstatus");
  EXPECT_EQ(notice["paymentStatus"]["coding"][0]["code"], "cleared");
  EXPECT_NE(notice["provider"], notice["recipient"]);

  request.reconciliation_id.clear();
  EXPECT_THAT(payment_notice_message(test_settings(), request, kNow).error().message,
              HasSubstr("reconciliation"));
  request.reconciliation_id = "PR-9";
  request.amount = -1;
  EXPECT_FALSE(payment_notice_message(test_settings(), request, kNow).ok());
}

TEST(RequestMessagesTest, WhatIsMissingIsNamed) {
  sdk::Claim no_license = test_claim();
  no_license.provider_license.clear();
  EXPECT_THAT(claim_request_message(test_settings(), no_license, kNow).error().message,
              HasSubstr("provider licence"));
  sdk::Claim no_type = test_claim();
  no_type.claim_subtype.clear();
  EXPECT_THAT(claim_request_message(test_settings(), no_type, kNow).error().message,
              HasSubstr("claim type and subType"));
  sdk::Claim no_diagnosis = test_claim();
  no_diagnosis.diagnoses.clear();
  EXPECT_THAT(claim_request_message(test_settings(), no_diagnosis, kNow).error().message,
              HasSubstr("diagnosis"));
  sdk::Claim dollars = test_claim();
  dollars.items[0].currency = "USD";
  EXPECT_THAT(claim_request_message(test_settings(), dollars, kNow).error().message,
              HasSubstr("SAR"));
  sdk::Claim no_payer = test_claim();
  no_payer.payer_license.clear();
  no_payer.coverage.payer_id.clear();
  EXPECT_THAT(claim_request_message(test_settings(), no_payer, kNow).error().message,
              HasSubstr("payer licence"));
  sdk::Claim anonymous = test_claim();
  anonymous.patient.identifiers = {{"http://hospital.test/mrn", "MRN-1"}};
  auto refused = claim_request_message(test_settings(), anonymous, kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("no identifier NPHIES accepts"));
  EXPECT_THAT(refused.error().message, ::testing::Not(HasSubstr("MRN-1")));
}

}  // namespace
}  // namespace wasl::plugins::nphies
