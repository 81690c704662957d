// The checks before sending: every message the plugin builds passes them in
// both profile versions, each rule refuses a message broken in one place
// naming itself and the place, and CHI's request samples
// (../shared/data/nphies/, version 1.0.0) pass in their version only.
#include "plugins/nphies/outgoing_checks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "plugins/nphies/request_messages.hpp"
#include "plugins/nphies/tests/test_claims.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::test_claim;
using testing::test_eligibility;
using testing::test_settings;

constexpr std::int64_t kOutgoingNow = 1763719200000;  // 2025-11-21T10:00:00Z
const std::string kOutgoingFs = "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/";
const std::vector<std::string> kVersions = {"0.3.0", "1.0.0"};
const std::string kOutgoingPdf = std::string("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n");
const std::string kOutgoingJpeg =
    std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01", 16);

json built(sdk::Result<json> message) {
  EXPECT_TRUE(message.ok()) << message.error().message;
  return message.ok() ? std::move(message).value() : json();
}

CommunicationAnswer outgoing_answer() {
  CommunicationAnswer a;
  a.idempotency_key = "wasl-answer-1";
  a.request_id = "CR-501";
  a.request_system = "http://payer.example/communication-request";
  a.claim_request_id = test_claim().idempotency_key;
  a.texts = {"The follow-up was a separate consultation."};
  a.attachments = {
      {"application/pdf", "Visit note", sdk::base64_encode(kOutgoingPdf), kOutgoingNow - 3600000},
      {"image/jpeg", "Prescription", sdk::base64_encode(kOutgoingJpeg), 0}};
  a.provider_license = "N-F-00001";
  a.provider_name = "Hospital A";
  a.payer_license = "N-I-00001";
  a.patient = testing::test_patient();
  return a;
}

// Every kind of message the plugin builds, by name, in `version`.
std::map<std::string, json> messages_built(const std::string& version) {
  const NphiesSettings s = test_settings(version);
  std::map<std::string, json> out;
  out["eligibility-request"] =
      built(eligibility_request_message(s, test_eligibility(), kOutgoingNow));
  out["claim-request"] = built(claim_request_message(s, test_claim(), kOutgoingNow));
  sdk::Claim preauth = test_claim("wasl-preauth-1");
  preauth.use = "preauthorization";
  preauth.eligibility_response_id = "resp_1";
  preauth.eligibility_response_system = "http://payer.example/eligibility";
  preauth.prior_auth_ref = "PA-1";
  preauth.items.push_back(preauth.items[0]);
  preauth.items[1].quantity = 2;
  preauth.diagnoses.push_back({"R51", "http://hl7.org/fhir/sid/icd-10-am", "secondary"});
  out["priorauth-request"] = built(claim_request_message(s, preauth, kOutgoingNow));
  out["cancel-request"] = built(cancel_request_message(
      s, sdk::CancelRequest{"wasl-cancel-1", "wasl-a", "NP", "N-F-00001", "N-I-00001"},
      kOutgoingNow));
  sdk::StatusCheckRequest check;
  check.idempotency_key = "wasl-status-1";
  check.request_id = test_claim().idempotency_key;
  check.provider_license = "N-F-00001";
  check.payer_license = "N-I-00001";
  out["status-check"] = built(status_check_message(s, check, kOutgoingNow));
  sdk::PollRequest poll;
  poll.idempotency_key = "wasl-poll-1";
  poll.max_messages = 40;
  poll.provider_license = "N-F-00001";
  poll.message_types = {"claim-response", "communication-request"};
  out["poll-request"] = built(poll_request_message(s, poll, kOutgoingNow));
  out["acknowledgement"] = built(acknowledgement_message(
      s, sdk::AcknowledgeRequest{"wasl-ack-1", "b0e34662-3b06-11ec-b009", "N-F-00001"},
      kOutgoingNow));
  out["communication"] = built(communication_message(s, outgoing_answer(), kOutgoingNow));
  CommunicationAnswer cannot = outgoing_answer();
  cannot.attachments.clear();
  cannot.texts.clear();
  cannot.request_id.clear();
  cannot.cannot_supply_reason = "The note was not kept";
  out["communication not-done"] = built(communication_message(s, cannot, kOutgoingNow));
  out["payment-notice"] = built(payment_notice_message(
      s,
      PaymentNoticeRequest{"wasl-notice-1", "PR-9", "http://payer.example/paymentreconciliation",
                           355.5, "N-F-00001", "N-I-00001"},
      kOutgoingNow));
  return out;
}

std::string other_version(const std::string& version) {
  return version == "0.3.0" ? "1.0.0" : "0.3.0";
}

// The index of the first entry of `type`.
std::size_t index_of(const json& bundle, const std::string& type) {
  for (std::size_t i = 0; i < bundle["entry"].size(); ++i) {
    if (bundle["entry"][i]["resource"]["resourceType"] == type) return i;
  }
  ADD_FAILURE() << "no " << type;
  return 0;
}

json& resource(json& bundle, const std::string& type) {
  return bundle["entry"][index_of(bundle, type)]["resource"];
}

std::string url_of(const json& bundle, const std::string& type) {
  return bundle["entry"][index_of(bundle, type)]["fullUrl"];
}

// "Bundle.entry[<i>].resource" of the first entry of `type`.
std::string at(const json& bundle, const std::string& type) {
  return "Bundle.entry[" + std::to_string(index_of(bundle, type)) + "].resource";
}

// The fullUrl of the entry of `type` whose profile is `name`.
std::string url_of_profile(const json& bundle, const std::string& name) {
  for (const auto& e : bundle["entry"]) {
    const std::string profile = e["resource"]["meta"]["profile"][0];
    if (profile.rfind(kOutgoingFs + name + "|", 0) == 0) return e["fullUrl"];
  }
  ADD_FAILURE() << "no " << name;
  return {};
}

// A batch-request of `count` copies of `claim` (a claim-request message).
json batch_of(const json& claim, std::size_t count) {
  json batch = claim;
  batch["id"] = "batch-1";
  json header = claim["entry"][0];
  header["fullUrl"] = "urn:uuid:batch-header";
  header["resource"]["id"] = "batch-header";
  header["resource"]["eventCoding"]["code"] = "batch-request";
  header["resource"].erase("focus");
  batch["entry"] = json::array({header});
  for (std::size_t i = 0; i < count; ++i) {
    json inner = claim;
    inner["id"] = "claim-" + std::to_string(i);
    batch["entry"].push_back({{"fullUrl", "http://hospital.test/Bundle/claim-" + std::to_string(i)},
                              {"resource", inner}});
  }
  return batch;
}

// A message broken in one place: which rule names it and where.
struct OutgoingBreakage {
  std::string rule;
  std::string base;  // a key of messages_built()
  // Breaks the message (in `version`); answers the path the error must name
  // (it may go on: "…item[0]" names "…item[0].sequence" too).
  std::function<std::string(json&, const std::string& version)> breaks;
};

const std::vector<OutgoingBreakage>& outgoing_breakages() {
  static const std::vector<OutgoingBreakage> all = {
      {"message.depth", "claim-request",
       [](json& b, const std::string&) {
         json deep = "x";
         for (int i = 0; i < 40; ++i) deep = json::array({deep});
         resource(b, "Claim")["text"] = deep;
         return at(b, "Claim") + ".text[0][0]";
       }},
      {"message.size", "communication",
       [](json& b, const std::string&) {
         resource(b, "Communication")["payload"].push_back(
             {{"contentString", std::string(std::size_t{11} << 20, 'x')}});
         return std::string("Bundle: the message is ");
       }},
      {"bundle.type", "claim-request",
       [](json& b, const std::string&) {
         b["type"] = "collection";
         return std::string("Bundle.type");
       }},
      {"bundle.id", "poll-request",
       [](json& b, const std::string&) {
         b.erase("id");
         return std::string("Bundle.id");
       }},
      {"bundle.timestamp", "status-check",
       [](json& b, const std::string&) {
         b["timestamp"] = "2025-11-21";
         return std::string("Bundle.timestamp");
       }},
      {"header.first", "cancel-request",
       [](json& b, const std::string&) {
         std::swap(b["entry"][0], b["entry"][1]);
         return std::string("Bundle.entry[0].resource");
       }},
      {"entry.full-url", "eligibility-request",
       [](json& b, const std::string&) {
         b["entry"][2].erase("fullUrl");
         return std::string("Bundle.entry[2].fullUrl");
       }},
      {"entry.resource", "eligibility-request",
       [](json& b, const std::string&) {
         b["entry"][2]["resource"].erase("id");
         return std::string("Bundle.entry[2].resource.id");
       }},
      {"entry.full-url-unique", "claim-request",
       [](json& b, const std::string&) {
         b["entry"][3]["fullUrl"] = b["entry"][2]["fullUrl"];
         return std::string("Bundle.entry[3].fullUrl");
       }},
      {"profile.name", "claim-request",
       [](json& b, const std::string& version) {
         resource(b, "Claim")["meta"]["profile"][0] = kOutgoingFs + "dental-claim|" + version;
         return at(b, "Claim") + ".meta.profile";
       }},
      {"profile.name", "payment-notice",
       [](json& b, const std::string&) {
         resource(b, "PaymentNotice")["meta"]["profile"].push_back(
             "http://hl7.org/fhir/StructureDefinition/PaymentNotice");
         return at(b, "PaymentNotice") + ".meta.profile[1]";
       }},
      {"profile.version", "claim-request",
       [](json& b, const std::string& version) {
         resource(b, "Patient")["meta"]["profile"][0] =
             kOutgoingFs + "patient|" + other_version(version);
         return at(b, "Patient") + ".meta.profile[0]";
       }},
      {"profile.version", "acknowledgement",
       [](json& b, const std::string&) {
         b["meta"]["profile"][0] = kOutgoingFs + "bundle";
         return std::string("Bundle.meta.profile[0]");
       }},
      {"header.event", "claim-request",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"]["eventCoding"]["code"] = "claim-response";
         return std::string("Bundle.entry[0].resource.eventCoding");
       }},
      {"header.sender", "eligibility-request",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"]["sender"]["identifier"]["system"] =
             "http://nphies.sa/license/payer-license";
         return std::string("Bundle.entry[0].resource.sender.identifier");
       }},
      {"header.destination", "claim-request",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"]["destination"][0]["receiver"]["identifier"]["system"] =
             "http://nphies.sa/license/nphies";
         return std::string("Bundle.entry[0].resource.destination[0].receiver.identifier");
       }},
      {"header.source", "payment-notice",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"].erase("source");
         return std::string("Bundle.entry[0].resource.source.endpoint");
       }},
      {"header.focus", "claim-request",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"]["focus"][0]["reference"] = url_of(b, "Coverage");
         return std::string("Bundle.entry[0].resource.focus[0].reference");
       }},
      {"header.response", "acknowledgement",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"]["response"]["code"] = "fatal-error";
         return std::string("Bundle.entry[0].resource.response");
       }},
      {"batch.entry", "claim-request",
       [](json& b, const std::string&) {
         // A claim-request of its own, to another payer.
         json claim = b;
         claim["entry"][0]["resource"]["destination"][0]["receiver"]["identifier"]["value"] =
             "N-I-00002";
         for (auto& e : claim["entry"]) {
           if (e["resource"]["resourceType"] == "Organization" &&
               e["resource"]["identifier"][0]["system"] ==
                   "http://nphies.sa/license/payer-license") {
             e["resource"]["identifier"][0]["value"] = "N-I-00002";
           }
         }
         b = batch_of(b, 2);
         b["entry"][2]["resource"] = claim;
         return std::string("Bundle.entry[2].resource.entry[0].resource.destination");
       }},
      {"batch.size", "claim-request",
       [](json& b, const std::string&) {
         b = batch_of(b, 201);
         return std::string("Bundle.entry: carries 201 claim-request messages");
       }},
      {"reference.resolves", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Coverage")["subscriber"]["reference"] = "http://hospital.test/Patient/none";
         return at(b, "Coverage") + ".subscriber.reference";
       }},
      {"money.currency", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"][0]["unitPrice"]["currency"] = "USD";
         return at(b, "Claim") + ".item[0].unitPrice.currency";
       }},
      {"patient.identifier", "eligibility-request",
       [](json& b, const std::string&) {
         resource(b, "Patient")["identifier"][0]["system"] = "http://hospital.test/mrn";
         return at(b, "Patient") + ".identifier[0]";
       }},
      {"patient.gender", "communication",
       [](json& b, const std::string&) {
         resource(b, "Patient").erase("_gender");
         return at(b, "Patient") + "._gender.extension";
       }},
      {"organization.licence", "cancel-request",
       [](json& b, const std::string&) {
         resource(b, "Organization")["identifier"][0]["system"] = "http://hospital.test/licence";
         return at(b, "Organization") + ".identifier";
       }},
      {"coverage.required", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Coverage").erase("beneficiary");
         return at(b, "Coverage") + ".beneficiary";
       }},
      {"encounter.required", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Encounter").erase("status");
         return at(b, "Encounter") + ".status";
       }},
      {"claim.identifier", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["identifier"][0].erase("system");
         return at(b, "Claim") + ".identifier[0]";
       }},
      {"claim.status", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["status"] = "draft";
         return at(b, "Claim") + ".status";
       }},
      {"claim.type", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["type"]["coding"][0]["code"] = "dental";
         return at(b, "Claim") + ".type";
       }},
      {"claim.subtype", "priorauth-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["subType"]["coding"][0]["system"] =
             "http://terminology.hl7.org/CodeSystem/ex-claimsubtype";
         return at(b, "Claim") + ".subType";
       }},
      {"claim.use", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["use"] = "preauthorization";
         return at(b, "Claim") + ".use";
       }},
      {"claim.profile", "priorauth-request",
       [](json& b, const std::string& version) {
         resource(b, "Claim")["meta"]["profile"][0] = kOutgoingFs + "professional-claim|" + version;
         return at(b, "Claim") + ".meta.profile";
       }},
      {"claim.patient", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["patient"]["reference"] = url_of(b, "Coverage");
         return at(b, "Claim") + ".patient";
       }},
      {"claim.created", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["created"] = "21/11/2025";
         return at(b, "Claim") + ".created";
       }},
      {"claim.priority", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["priority"]["coding"][0]["code"] = "urgent";
         return at(b, "Claim") + ".priority";
       }},
      {"claim.payee", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim").erase("payee");
         return at(b, "Claim") + ".payee.type";
       }},
      {"claim.care-team", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["careTeam"][0]["sequence"] = 0;
         return at(b, "Claim") + ".careTeam[0].sequence";
       }},
      {"claim.care-team", "priorauth-request",
       [](json& b, const std::string&) {
         resource(b, "Practitioner")["identifier"][0]["system"] = "http://hospital.test/staff";
         return at(b, "Claim") + ".careTeam[0].provider";
       }},
      {"claim.diagnosis", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["diagnosis"][0]["type"][0]["coding"][0]["code"] = "secondary";
         return at(b, "Claim") + ".diagnosis: has no principal";
       }},
      {"claim.diagnosis", "priorauth-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["diagnosis"][1]["sequence"] = 1;
         return at(b, "Claim") + ".diagnosis[1].sequence";
       }},
      {"claim.insurance", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["insurance"][0]["focal"] = false;
         return at(b, "Claim") + ".insurance: has no single focal";
       }},
      {"claim.item", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"] = json::array();
         return at(b, "Claim") + ".item";
       }},
      {"claim.item-sequence", "priorauth-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"][1]["sequence"] = 1;
         return at(b, "Claim") + ".item[1].sequence";
       }},
      {"claim.item-links", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"][0]["diagnosisSequence"] = json::array({2});
         return at(b, "Claim") + ".item[0].diagnosisSequence[0]";
       }},
      {"claim.item-product", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"][0]["productOrService"]["coding"][0]["system"] =
             "http://hospital.test/price-list";
         return at(b, "Claim") + ".item[0].productOrService.coding[0]";
       }},
      {"claim.item-quantity", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"][0]["quantity"]["value"] = 0;
         return at(b, "Claim") + ".item[0].quantity.value";
       }},
      {"claim.item-net", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"][0]["net"]["value"] = 150;  // the tax left out
         return at(b, "Claim") + ".item[0].net";
       }},
      {"claim.item-net", "priorauth-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["item"][1]["factor"] = 0.5;  // net no longer follows
         return at(b, "Claim") + ".item[1].net";
       }},
      {"claim.total", "priorauth-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["total"]["value"] = 172.5;  // the first item only
         return at(b, "Claim") + ".total";
       }},
      {"claim.encounter", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Encounter")["class"]["code"] = "AMB";
         return at(b, "Claim") + ".extension[0].valueReference";
       }},
      {"eligibility.required", "eligibility-request",
       [](json& b, const std::string&) {
         resource(b, "CoverageEligibilityRequest").erase("servicedDate");
         return at(b, "CoverageEligibilityRequest") + ".servicedDate";
       }},
      {"eligibility.priority", "eligibility-request",
       [](json& b, const std::string&) {
         resource(b, "CoverageEligibilityRequest")["priority"]["coding"][0]["code"] = "urgent";
         return at(b, "CoverageEligibilityRequest") + ".priority";
       }},
      {"eligibility.purpose", "eligibility-request",
       [](json& b, const std::string&) {
         resource(b, "CoverageEligibilityRequest")["purpose"][1] = "coverage";
         return at(b, "CoverageEligibilityRequest") + ".purpose[1]";
       }},
      {"task.required", "cancel-request",
       [](json& b, const std::string&) {
         resource(b, "Task")["status"] = "draft";
         return at(b, "Task") + ".status";
       }},
      {"task.code", "status-check",
       [](json& b, const std::string&) {
         resource(b, "Task")["code"]["coding"][0]["code"] = "cancel";
         return at(b, "Task") + ".code";
       }},
      {"task.focus", "status-check",
       [](json& b, const std::string&) {
         resource(b, "Task")["focus"]["identifier"].erase("system");
         return at(b, "Task") + ".focus";
       }},
      {"task.owner", "poll-request",
       [](json& b, const std::string&) {
         resource(b, "Task")["owner"] = {{"reference", url_of(b, "Organization")}};
         return at(b, "Task") + ".owner";
       }},
      {"task.poll-input", "poll-request",
       [](json& b, const std::string&) {
         resource(b, "Task")["input"][2]["valuePositiveInt"] = 101;
         return at(b, "Task") + ".input[2].valuePositiveInt";
       }},
      {"communication.required", "communication",
       [](json& b, const std::string&) {
         resource(b, "Communication").erase("sent");
         return at(b, "Communication") + ".sent";
       }},
      {"communication.status", "communication not-done",
       [](json& b, const std::string&) {
         resource(b, "Communication").erase("statusReason");
         return at(b, "Communication") + ".statusReason.text";
       }},
      {"communication.about", "communication",
       [](json& b, const std::string&) {
         resource(b, "Communication")["about"][0]["identifier"].erase("value");
         return at(b, "Communication") + ".about[0]";
       }},
      {"communication.subject", "communication",
       [](json& b, const std::string&) {
         resource(b, "Communication")["subject"]["reference"] = url_of(b, "Organization");
         return at(b, "Communication") + ".subject";
       }},
      {"communication.payload", "communication",
       [](json& b, const std::string&) {
         resource(b, "Communication")["payload"] = json::array();
         return at(b, "Communication") + ".payload";
       }},
      {"communication.attachment", "communication",
       [](json& b, const std::string&) {
         resource(b, "Communication")["payload"][2]["contentAttachment"]["size"] = 17;
         return at(b, "Communication") + ".payload[2].contentAttachment.size";
       }},
      {"payment-notice.required", "payment-notice",
       [](json& b, const std::string&) {
         resource(b, "PaymentNotice")["amount"]["value"] = -1;
         return at(b, "PaymentNotice") + ".amount";
       }},
      {"payment-notice.payment-status", "payment-notice",
       [](json& b, const std::string&) {
         resource(b, "PaymentNotice")["paymentStatus"]["coding"][0]["code"] = "paid";
         return at(b, "PaymentNotice") + ".paymentStatus";
       }},
      {"party.provider", "claim-request",
       [](json& b, const std::string&) {
         resource(b, "Claim")["provider"]["reference"] = url_of_profile(b, "insurer-organization");
         return at(b, "Claim") + ".provider";
       }},
      {"party.provider", "status-check",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"]["sender"]["identifier"]["value"] = "N-F-00002";
         return at(b, "Task") + ".requester";
       }},
      {"party.insurer", "eligibility-request",
       [](json& b, const std::string&) {
         resource(b, "CoverageEligibilityRequest")["insurer"]["reference"] =
             url_of_profile(b, "provider-organization");
         return at(b, "CoverageEligibilityRequest") + ".insurer";
       }},
      {"party.insurer", "communication",
       [](json& b, const std::string&) {
         b["entry"][0]["resource"]["destination"][0]["receiver"]["identifier"]["value"] =
             "N-I-00002";
         return at(b, "Communication") + ".recipient";
       }},
  };
  return all;
}

TEST(OutgoingChecksTest, EveryMessageThePluginBuildsPassesInItsVersionOnly) {
  for (const std::string& version : kVersions) {
    for (const auto& [name, message] : messages_built(version)) {
      const sdk::Status checked = check_outgoing(message, version);
      EXPECT_TRUE(checked.ok()) << name << " " << version << ": " << checked.error().message;
      const sdk::Status other = check_outgoing(message, other_version(version));
      ASSERT_FALSE(other.ok()) << name << " " << version;
      EXPECT_THAT(other.error().message, StartsWith("NPHIES check \"profile.version\" failed at "))
          << name;
    }
  }
}

TEST(OutgoingChecksTest, ABatchOfClaimMessagesPasses) {
  for (const std::string& version : kVersions) {
    const json batch = batch_of(messages_built(version)["claim-request"], 3);
    const sdk::Status checked = check_outgoing(batch, version);
    EXPECT_TRUE(checked.ok()) << version << ": " << checked.error().message;
  }
}

// Each rule refuses a message broken in one place: it names the rule and the
// place, is permanent and quotes none of the patient's data.
TEST(OutgoingChecksTest, EachRuleRefusesAMessageBrokenInOnePlace) {
  for (const std::string& version : kVersions) {
    const std::map<std::string, json> messages = messages_built(version);
    for (const OutgoingBreakage& b : outgoing_breakages()) {
      SCOPED_TRACE(b.rule + " on " + b.base + " " + version);
      json message = messages.at(b.base);
      const std::string where = b.breaks(message, version);
      const sdk::Status checked = check_outgoing(message, version);
      ASSERT_FALSE(checked.ok());
      EXPECT_EQ(checked.error().code, sdk::ErrorCode::kInvalidArgument);
      EXPECT_FALSE(checked.error().retryable);
      EXPECT_THAT(checked.error().message,
                  StartsWith("NPHIES check \"" + b.rule + "\" failed at " + where));
      for (const std::string& phi : {"2098765432", "فاطمة", "الزهراني", "1990-04-12", "M-10001"}) {
        EXPECT_THAT(checked.error().message, Not(HasSubstr(phi)));
      }
    }
  }
}

TEST(OutgoingChecksTest, EveryRuleIsBrokenByATestAndListedInTheReadme) {
  std::set<std::string> tested;
  for (const OutgoingBreakage& b : outgoing_breakages()) tested.insert(b.rule);
  std::ifstream in(WASL_SOURCE_DIR "/plugins/nphies/README.md");
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string_view> ids;
  for (const OutgoingRule& rule : outgoing_rules()) {
    EXPECT_TRUE(ids.insert(rule.id).second) << rule.id << " is listed twice";
    EXPECT_EQ(tested.count(std::string(rule.id)), 1u) << rule.id << " has no test";
    EXPECT_NE(readme.find("| `" + std::string(rule.id) + "` |"), std::string::npos)
        << rule.id << " is not in the README";
  }
  for (const std::string& rule : tested) EXPECT_EQ(ids.count(rule), 1u) << rule << " is no rule";
}

// Nothing in a message, however shaped, makes the checks throw.
TEST(OutgoingChecksTest, MembersOfAnyTypeAreRefusedWithoutThrowing) {
  const json claim = messages_built("0.3.0")["claim-request"];
  const std::vector<json> odd = {json(),        json(7),        json("x"),
                                 json::array(), json::object(), json::array({json()})};
  std::size_t refused = 0;
  std::function<void(const json&, const json::json_pointer&)> each =
      [&](const json& value, const json::json_pointer& where) {
        for (const json& replacement : odd) {
          json broken = claim;
          broken[where] = replacement;
          if (broken == claim) continue;
          refused += check_outgoing(broken, "0.3.0").ok() ? 0 : 1;
        }
        if (value.is_object()) {
          for (const auto& [key, item] : value.items()) each(item, where / key);
        } else if (value.is_array()) {
          for (std::size_t i = 0; i < value.size(); ++i) each(value[i], where / i);
        }
      };
  each(claim, json::json_pointer());
  EXPECT_GT(refused, 1000u);
  EXPECT_FALSE(check_outgoing(json(), "0.3.0").ok());
  EXPECT_FALSE(check_outgoing(json::array(), "0.3.0").ok());
}

// CHI's request samples carry profile version 1.0.0: they pass the checks
// in it, and in 0.3.0 break the version rule.
TEST(OutgoingChecksTest, EveryRequestSamplePassesInItsVersionOnly) {
  std::size_t samples = 0;
  for (const auto& file : std::filesystem::directory_iterator(
           std::filesystem::path(WASL_SHARED_DATA_DIR) / "nphies")) {
    const std::string name = file.path().filename().string();
    const bool request = name.find("-request") != std::string::npos;
    if (!request || file.path().extension() != ".json") continue;
    ++samples;
    std::ifstream in(file.path());
    const json message = json::parse(in);
    const sdk::Status checked = check_outgoing(message, "1.0.0");
    EXPECT_TRUE(checked.ok()) << name << ": " << checked.error().message;
    const sdk::Status other = check_outgoing(message, "0.3.0");
    ASSERT_FALSE(other.ok()) << name;
    EXPECT_THAT(other.error().message, StartsWith("NPHIES check \"profile.version\" failed at "))
        << name;
  }
  // claim-request-* (2), priorauth-request-* (2), eligibility-request-*,
  // cancel-request, status-check-request, poll-request.
  EXPECT_GE(samples, 8u);
}

}  // namespace
}  // namespace wasl::plugins::nphies
