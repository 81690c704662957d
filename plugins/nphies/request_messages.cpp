#include "plugins/nphies/request_messages.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>

#include "plugins/nphies/fhir_time.hpp"
#include "plugins/nphies/message_builder.hpp"
#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/message_resources.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"
#include "plugins/nphies/patient_resource.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

Error missing(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "the request lacks " + what, false);
}

json request_coding(std::string_view system, std::string_view code) {
  return {{"coding", json::array({{{"system", system}, {"code", code}}})}};
}

json money(double value) {
  return {{"value", std::round(value * 100) / 100}, {"currency", v::kCurrency}};
}

json reference(const std::string& url) { return {{"reference", url}}; }

// HL7's relationship of one claim to another (Claim.related.relationship).
constexpr std::string_view kRelatedClaimRelationship =
    "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship";

// The task-reason-code values a cancel-request or nullify may give.
bool known_cancel_reason(std::string_view reason) {
  for (std::string_view known : kCancelReasons) {
    if (reason == known) return true;
  }
  return false;
}

// Claim.related naming the claim sent with idempotency key
// `related_request_id` by its identifier exactly as its claim-request
// carried it; kInvalidArgument for a relationship HL7 does not define.
Result<json> related_claim(const NphiesSettings& settings, const sdk::Claim& claim) {
  const std::string relationship =
      claim.related_relationship.empty() ? "prior" : claim.related_relationship;
  if (relationship != "prior" && relationship != "associated") {
    return Error(ErrorCode::kInvalidArgument,
                 "the related claim's relationship must be prior or associated", false);
  }
  if (claim.related_request_id == claim.idempotency_key) {
    return Error(ErrorCode::kInvalidArgument, "a claim cannot be related to itself", false);
  }
  return json::array({{{"claim",
                        {{"identifier",
                          {{"system", settings.identifier_system("claim")},
                           {"value", message_ids(claim.related_request_id).business_id}}}}},
                       {"relationship", request_coding(kRelatedClaimRelationship, relationship)}}});
}

Result<std::string> payer_of(const std::string& payer_license, const sdk::Coverage& coverage) {
  if (!payer_license.empty()) return payer_license;
  if (!coverage.payer_id.empty()) return coverage.payer_id;
  return missing("the payer licence (facility billing payer_license or the coverage's payer)");
}

// Patient, Coverage and both Organizations; answers their fullUrls.
struct Parties {
  std::string patient;
  std::string coverage;
  std::string provider;
  std::string insurer;
};

Result<Parties> add_parties(MessageBuilder& message, const NphiesSettings& settings,
                            const sdk::PatientSummary& patient_summary,
                            const sdk::Coverage& coverage, const std::string& provider_license,
                            const std::string& provider_name, const std::string& payer_license) {
  const MessageIds& ids = message.ids();
  Parties p;
  WASL_ASSIGN_OR_RETURN(json patient,
                        patient_resource(patient_summary, ids.resource_id("Patient"), settings));
  p.provider = message.add(provider_organization(ids.resource_id("Organization/provider"),
                                                 provider_license, provider_name),
                           "provider-organization");
  p.insurer =
      message.add(insurer_organization(ids.resource_id("Organization/insurer"), payer_license),
                  "insurer-organization");
  p.patient = message.add(std::move(patient), "patient");
  p.coverage =
      message.add(coverage_resource(coverage, ids.resource_id("Coverage"),
                                    settings.identifier_system("memberid"), p.patient, p.insurer),
                  "coverage");
  return p;
}

// What a document of `content_type` begins with; empty for a type the
// exchange does not take.
std::string_view request_magic_of(std::string_view content_type) {
  if (content_type == "application/pdf") return "%PDF-";
  if (content_type == "image/jpeg") return "\xFF\xD8\xFF";
  return {};
}

Result<json> attachment_payload(const CommunicationAttachment& attachment, std::size_t index) {
  const std::string which = "attachment " + std::to_string(index + 1);
  const std::string_view magic = request_magic_of(attachment.content_type);
  if (magic.empty()) {
    return Error(ErrorCode::kInvalidArgument, which + " is neither application/pdf nor image/jpeg",
                 false);
  }
  if (attachment.title.empty()) return missing("a title for " + which);
  std::optional<std::string> bytes = sdk::base64_decode(attachment.data_base64);
  if (!bytes) return Error(ErrorCode::kInvalidArgument, which + " is not base64", false);
  if (bytes->empty()) return Error(ErrorCode::kInvalidArgument, which + " is empty", false);
  if (bytes->compare(0, magic.size(), magic) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 which + " does not begin as " + attachment.content_type + " does", false);
  }
  json content = {{"contentType", attachment.content_type},
                  {"data", attachment.data_base64},
                  {"title", attachment.title},
                  {"size", bytes->size()}};
  if (attachment.created_ms > 0) content["creation"] = ksa_instant(attachment.created_ms);
  return json{{"contentAttachment", std::move(content)}};
}

}  // namespace

Result<json> eligibility_request_message(const NphiesSettings& settings,
                                         const sdk::EligibilityRequest& request,
                                         std::int64_t now_ms) {
  if (request.idempotency_key.empty()) return missing("an idempotency key");
  if (request.provider_license.empty()) {
    return missing("the provider licence (facility billing provider_license)");
  }
  WASL_ASSIGN_OR_RETURN(std::string payer, payer_of(request.payer_license, request.coverage));
  MessageIds ids = message_ids(request.idempotency_key);
  MessageBuilder message(settings, ids, "eligibility-request", now_ms);
  message.sender(request.provider_license);
  message.destination(v::kPayerLicense, payer);
  WASL_ASSIGN_OR_RETURN(Parties p,
                        add_parties(message, settings, request.patient, request.coverage,
                                    request.provider_license, request.provider_name, payer));
  json purposes = json::array();
  for (const auto& purpose : request.purposes) purposes.push_back(purpose);
  if (purposes.empty()) purposes = json::array({"benefits", "validation"});
  const std::int64_t service_ms = request.service_date_ms > 0 ? request.service_date_ms : now_ms;
  json focal = {
      {"resourceType", "CoverageEligibilityRequest"},
      {"id", ids.resource_id("CoverageEligibilityRequest")},
      {"identifier",
       json::array({{{"system", settings.identifier_system("coverageeligibilityrequest")},
                     {"value", ids.business_id}}})},
      {"status", "active"},
      {"priority", request_coding(v::kProcessPriority, "normal")},
      {"purpose", purposes},
      {"patient", reference(p.patient)},
      {"servicedDate", ksa_date(service_ms)},
      {"created", ksa_date(now_ms)},
      {"provider", reference(p.provider)},
      {"insurer", reference(p.insurer)},
      {"insurance", json::array({{{"coverage", reference(p.coverage)}}})},
  };
  message.add(std::move(focal), "eligibility-request", true);
  return message.build();
}

Result<json> claim_request_message(const NphiesSettings& settings, const sdk::Claim& claim,
                                   std::int64_t now_ms) {
  const bool preauth = claim.use == "preauthorization";
  if (!preauth && claim.use != "claim") {
    return Error(ErrorCode::kInvalidArgument, "claim use must be claim or preauthorization", false);
  }
  if (claim.idempotency_key.empty()) return missing("an idempotency key");
  if (claim.provider_license.empty()) {
    return missing("the provider licence (facility billing provider_license)");
  }
  if (claim.claim_type.empty() || claim.claim_subtype.empty()) {
    return missing("the claim type and subType (facility billing claim_type, claim_subtype)");
  }
  if (claim.items.empty()) return missing("a service item (facility billing service code)");
  if (claim.diagnoses.empty()) return missing("a diagnosis (facility billing diagnosis)");
  WASL_ASSIGN_OR_RETURN(std::string payer, payer_of(claim.payer_license, claim.coverage));
  MessageIds ids = message_ids(claim.idempotency_key);
  MessageBuilder message(settings, ids, preauth ? "priorauth-request" : "claim-request", now_ms);
  message.sender(claim.provider_license);
  message.destination(v::kPayerLicense, payer);
  WASL_ASSIGN_OR_RETURN(Parties p, add_parties(message, settings, claim.patient, claim.coverage,
                                               claim.provider_license, claim.provider_name, payer));
  std::string practitioner = message.add(
      practitioner_resource(claim.practitioner, ids.resource_id("Practitioner")), "practitioner");

  const std::int64_t start_ms = claim.service_start_ms > 0 ? claim.service_start_ms : now_ms;
  json extensions = json::array();
  if (claim.encounter_class == "VR") {
    std::string encounter = message.add(
        virtual_encounter(ids.resource_id("Encounter"), settings.identifier_system("encounter"),
                          claim.encounter_id.empty() ? ids.business_id : claim.encounter_id,
                          p.patient, p.provider, start_ms, claim.service_end_ms),
        "encounter-auth-VR");
    extensions.push_back(
        {{"url", v::extension("encounter")}, {"valueReference", reference(encounter)}});
  }
  if (!claim.eligibility_response_id.empty()) {
    json identifier = {{"value", claim.eligibility_response_id}};
    if (!claim.eligibility_response_system.empty()) {
      identifier["system"] = claim.eligibility_response_system;
    }
    extensions.push_back({{"url", v::extension("eligibility-response")},
                          {"valueReference", {{"identifier", identifier}}}});
  }

  json care_team = {{"sequence", 1},
                    {"provider", reference(practitioner)},
                    {"role", request_coding(v::kCareTeamRole, "primary")}};
  if (!claim.practitioner.specialty.empty()) {
    care_team["qualification"] = request_coding(v::kPracticeCodes, claim.practitioner.specialty);
  }
  json diagnoses = json::array();
  json diagnosis_sequences = json::array();
  int d = 0;
  for (const auto& diagnosis : claim.diagnoses) {
    if (diagnosis.code.empty()) return missing("a diagnosis code");
    ++d;
    diagnoses.push_back(
        {{"sequence", d},
         {"diagnosisCodeableConcept", request_coding(diagnosis.system, diagnosis.code)},
         {"type",
          json::array({request_coding(v::kDiagnosisType,
                                      diagnosis.type.empty() ? "principal" : diagnosis.type)})}});
    diagnosis_sequences.push_back(d);
  }
  json items = json::array();
  double total = 0;
  int sequence = 0;
  for (const auto& item : claim.items) {
    if (item.service_code.empty()) return missing("a service code on every item");
    if (!(item.quantity > 0) || item.unit_price < 0 || item.tax < 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "an item needs a positive quantity and a non-negative price and tax", false);
    }
    if (!item.currency.empty() && item.currency != v::kCurrency) {
      return Error(ErrorCode::kInvalidArgument, "NPHIES amounts are in SAR, not " + item.currency,
                   false);
    }
    ++sequence;
    // From the amounts as written (to the halala), so that what is sent adds
    // up: net = quantity × unitPrice + tax.
    const double unit_price = std::round(item.unit_price * 100) / 100;
    const double tax = std::round(item.tax * 100) / 100;
    const double net = std::round((item.quantity * unit_price + tax) * 100) / 100;
    total += net;
    items.push_back({
        {"sequence", sequence},
        {"careTeamSequence", json::array({1})},
        {"diagnosisSequence", diagnosis_sequences},
        {"extension",
         json::array({{{"url", v::extension("tax")}, {"valueMoney", money(tax)}},
                      {{"url", v::extension("patient-share")}, {"valueMoney", money(0)}},
                      {{"url", v::extension("package")}, {"valueBoolean", false}}})},
        {"productOrService",
         request_coding(item.code_system.empty() ? std::string(v::kServices) : item.code_system,
                        item.service_code)},
        {"servicedDate", ksa_date(start_ms)},
        {"quantity", {{"value", item.quantity}}},
        {"unitPrice", money(unit_price)},
        {"net", money(net)},
    });
  }
  json insurance = {{"sequence", 1}, {"focal", true}, {"coverage", reference(p.coverage)}};
  if (!claim.prior_auth_ref.empty()) insurance["preAuthRef"] = json::array({claim.prior_auth_ref});
  json focal = {
      {"resourceType", "Claim"},
      {"id", ids.resource_id("Claim")},
      {"identifier", json::array({{{"system", settings.identifier_system("claim")},
                                   {"value", ids.business_id}}})},
      {"status", "active"},
      {"type", request_coding(v::kClaimType, claim.claim_type)},
      {"subType", request_coding(v::kClaimSubtype, claim.claim_subtype)},
      {"use", claim.use},
      {"patient", reference(p.patient)},
      {"created", ksa_date(now_ms)},
      {"insurer", reference(p.insurer)},
      {"provider", reference(p.provider)},
      {"priority", request_coding(v::kProcessPriority, "normal")},
      {"payee", {{"type", request_coding(v::kPayeeType, "provider")}}},
      {"careTeam", json::array({care_team})},
      {"diagnosis", diagnoses},
      {"insurance", json::array({insurance})},
      {"item", items},
      {"total", money(total)},
  };
  if (!extensions.empty()) focal["extension"] = extensions;
  if (!claim.related_request_id.empty()) {
    WASL_ASSIGN_OR_RETURN(focal["related"], related_claim(settings, claim));
  }
  const std::string profile = claim.claim_type + (preauth ? "-priorauth" : "-claim");
  message.add(std::move(focal), profile, true);
  return message.build();
}

Result<json> cancel_request_message(const NphiesSettings& settings,
                                    const sdk::CancelRequest& request, std::int64_t now_ms) {
  if (request.idempotency_key.empty()) return missing("an idempotency key");
  if (request.request_id.empty()) return missing("the claim to cancel (request_id)");
  if (request.provider_license.empty() || request.payer_license.empty()) {
    return missing("the provider and payer licences of the claim to cancel");
  }
  const std::string kind = request.kind.empty() ? "cancel" : request.kind;
  if (kind != "cancel" && kind != "nullify") {
    return Error(ErrorCode::kInvalidArgument, "a cancellation's kind must be cancel or nullify",
                 false);
  }
  const std::string reason = request.reason.empty() ? "WI" : request.reason;
  if (!known_cancel_reason(reason)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the cancellation reason is not a task-reason-code: WI, NP, TAS or SU", false);
  }
  MessageIds ids = message_ids(request.idempotency_key);
  MessageIds cancelled = message_ids(request.request_id);
  MessageBuilder message(settings, ids, "cancel-request", now_ms);
  message.sender(request.provider_license);
  message.destination(v::kPayerLicense, request.payer_license);
  std::string provider = message.add(
      provider_organization(ids.resource_id("Organization/provider"), request.provider_license, ""),
      "provider-organization");
  std::string insurer = message.add(
      insurer_organization(ids.resource_id("Organization/insurer"), request.payer_license),
      "insurer-organization");
  json task = {
      {"resourceType", "Task"},
      {"id", ids.resource_id("Task")},
      {"identifier",
       json::array({{{"system", settings.identifier_system("task")}, {"value", ids.business_id}}})},
      {"status", "requested"},
      {"intent", "order"},
      {"priority", "routine"},
      {"code", request_coding(v::kTaskCode, kind)},
      {"focus",
       {{"type", "Claim"},
        {"identifier",
         {{"system", settings.identifier_system("claim")}, {"value", cancelled.business_id}}}}},
      {"authoredOn", ksa_date(now_ms)},
      {"lastModified", ksa_date(now_ms)},
      {"requester", reference(provider)},
      {"owner", reference(insurer)},
      {"reasonCode", request_coding(v::kTaskReasonCode, reason)},
  };
  message.add(std::move(task), "task", true);
  return message.build();
}

Result<json> status_check_message(const NphiesSettings& settings,
                                  const sdk::StatusCheckRequest& request, std::int64_t now_ms) {
  if (request.idempotency_key.empty()) return missing("an idempotency key");
  if (request.request_id.empty()) return missing("the claim to ask about (request_id)");
  if (request.provider_license.empty() || request.payer_license.empty()) {
    return missing("the provider and payer licences of the claim asked about");
  }
  MessageIds ids = message_ids(request.idempotency_key);
  MessageIds asked = message_ids(request.request_id);
  MessageBuilder message(settings, ids, "status-check", now_ms);
  message.sender(request.provider_license);
  message.destination(v::kPayerLicense, request.payer_license);
  std::string provider = message.add(
      provider_organization(ids.resource_id("Organization/provider"), request.provider_license, ""),
      "provider-organization");
  std::string insurer = message.add(
      insurer_organization(ids.resource_id("Organization/insurer"), request.payer_license),
      "insurer-organization");
  json task = {
      {"resourceType", "Task"},
      {"id", ids.resource_id("Task")},
      {"identifier",
       json::array({{{"system", settings.identifier_system("task")}, {"value", ids.business_id}}})},
      {"status", "requested"},
      {"intent", "order"},
      {"priority", "routine"},
      {"code", request_coding(v::kTaskCode, "status")},
      {"focus",
       {{"type", "Claim"},
        {"identifier",
         {{"system", settings.identifier_system("claim")}, {"value", asked.business_id}}}}},
      {"authoredOn", ksa_date(now_ms)},
      {"lastModified", ksa_date(now_ms)},
      {"requester", reference(provider)},
      {"owner", reference(insurer)},
  };
  message.add(std::move(task), "task", true);
  return message.build();
}

Result<json> poll_request_message(const NphiesSettings& settings, const sdk::PollRequest& request,
                                  std::int64_t now_ms) {
  if (request.idempotency_key.empty()) return missing("an idempotency key");
  if (request.provider_license.empty()) return missing("the provider licence polling");
  const int count = std::clamp(std::min(request.max_messages, settings.poll_count), 1, 100);
  MessageIds ids = message_ids(request.idempotency_key);
  MessageBuilder message(settings, ids, "poll-request", now_ms);
  message.sender(request.provider_license);
  message.destination(v::kNphiesLicense, "NPHIES");
  std::string provider = message.add(
      provider_organization(ids.resource_id("Organization/provider"), request.provider_license, ""),
      "provider-organization");
  json inputs = json::array();
  for (const auto& type : request.message_types) {
    inputs.push_back(
        {{"type", request_coding(v::kTaskInputType, "include-message-type")}, {"valueCode", type}});
  }
  inputs.push_back(
      {{"type", request_coding(v::kTaskInputType, "count")}, {"valuePositiveInt", count}});
  json task = {
      {"resourceType", "Task"},
      {"id", ids.resource_id("Task")},
      {"identifier",
       json::array({{{"system", settings.identifier_system("task")}, {"value", ids.business_id}}})},
      {"status", "requested"},
      {"intent", "order"},
      {"priority", "stat"},
      {"code", request_coding(v::kTaskCode, "poll")},
      {"authoredOn", ksa_date(now_ms)},
      {"lastModified", ksa_date(now_ms)},
      {"requester", reference(provider)},
      {"owner", {{"identifier", {{"system", v::kNphiesLicense}, {"value", "NPHIES"}}}}},
      {"input", inputs},
  };
  message.add(std::move(task), "task", true);
  return message.build();
}

Result<json> acknowledgement_message(const NphiesSettings& settings,
                                     const sdk::AcknowledgeRequest& request, std::int64_t now_ms) {
  if (request.idempotency_key.empty()) return missing("an idempotency key");
  if (request.message_id.empty()) return missing("the message id to acknowledge");
  if (request.provider_license.empty()) return missing("the provider licence acknowledging");
  MessageBuilder message(settings, message_ids(request.idempotency_key), "acknowledgement", now_ms);
  message.sender(request.provider_license);
  message.destination(v::kNphiesLicense, "NPHIES");
  message.respond_to(request.message_id);
  return message.build();
}

Result<json> communication_message(const NphiesSettings& settings,
                                   const CommunicationAnswer& answer, std::int64_t now_ms) {
  if (answer.idempotency_key.empty()) return missing("an idempotency key");
  if (answer.provider_license.empty() || answer.payer_license.empty()) {
    return missing("the provider and payer licences of the claim");
  }
  if (answer.claim_request_id.empty()) return missing("the claim it is about (claim_request_id)");
  const bool cannot_supply = !answer.cannot_supply_reason.empty();
  if (cannot_supply && !answer.attachments.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an answer that cannot supply what is asked carries no attachment", false);
  }
  if (!cannot_supply && answer.texts.empty() && answer.attachments.empty()) {
    return missing("a text, an attachment or the reason it cannot be supplied");
  }
  json payload = json::array();
  for (const auto& text : answer.texts) {
    if (text.empty()) return missing("text in every text payload");
    payload.push_back({{"contentString", text}});
  }
  for (std::size_t i = 0; i < answer.attachments.size(); ++i) {
    WASL_ASSIGN_OR_RETURN(json content, attachment_payload(answer.attachments[i], i));
    payload.push_back(std::move(content));
  }

  MessageIds ids = message_ids(answer.idempotency_key);
  MessageBuilder message(settings, ids, "communication", now_ms);
  message.sender(answer.provider_license);
  message.destination(v::kPayerLicense, answer.payer_license);
  WASL_ASSIGN_OR_RETURN(json patient,
                        patient_resource(answer.patient, ids.resource_id("Patient"), settings));
  const std::string provider =
      message.add(provider_organization(ids.resource_id("Organization/provider"),
                                        answer.provider_license, answer.provider_name),
                  "provider-organization");
  const std::string insurer = message.add(
      insurer_organization(ids.resource_id("Organization/insurer"), answer.payer_license),
      "insurer-organization");
  const std::string subject = message.add(std::move(patient), "patient");
  json communication = {
      {"resourceType", "Communication"},
      {"id", ids.resource_id("Communication")},
      {"identifier", json::array({{{"system", settings.provider_base_url + "/communication"},
                                   {"value", ids.business_id}}})},
      {"status", cannot_supply ? "not-done" : "completed"},
      {"about", json::array({{{"type", "Claim"},
                              {"identifier",
                               {{"system", settings.identifier_system("claim")},
                                {"value", message_ids(answer.claim_request_id).business_id}}}}})},
      {"subject", reference(subject)},
      {"sent", ksa_instant(now_ms)},
      {"sender", reference(provider)},
      {"recipient", json::array({reference(insurer)})},
  };
  if (cannot_supply) communication["statusReason"] = {{"text", answer.cannot_supply_reason}};
  if (!answer.request_id.empty()) {
    json identifier = {{"value", answer.request_id}};
    if (!answer.request_system.empty()) identifier["system"] = answer.request_system;
    communication["basedOn"] =
        json::array({{{"type", "CommunicationRequest"}, {"identifier", std::move(identifier)}}});
  }
  if (!payload.empty()) communication["payload"] = std::move(payload);
  message.add(std::move(communication), "communication", true);
  json built = message.build();
  if (const std::size_t size = built.dump().size(); size > kMaxMessageBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "the communication is " + std::to_string(size) + " bytes, more than the " +
                     std::to_string(kMaxMessageBytes) + " a message may be",
                 false);
  }
  return built;
}

Result<json> payment_notice_message(const NphiesSettings& settings,
                                    const PaymentNoticeRequest& request, std::int64_t now_ms) {
  if (request.idempotency_key.empty()) return missing("an idempotency key");
  if (request.provider_license.empty() || request.payer_license.empty()) {
    return missing("the provider and payer licences of the payment");
  }
  if (request.reconciliation_id.empty()) {
    return missing("the payment reconciliation's identifier");
  }
  if (!std::isfinite(request.amount) || request.amount < 0) {
    return Error(ErrorCode::kInvalidArgument, "the amount paid must be a number, at least 0",
                 false);
  }
  MessageIds ids = message_ids(request.idempotency_key);
  MessageBuilder message(settings, ids, "payment-notice", now_ms);
  message.sender(request.provider_license);
  message.destination(v::kPayerLicense, request.payer_license);
  const std::string provider = message.add(
      provider_organization(ids.resource_id("Organization/provider"), request.provider_license, ""),
      "provider-organization");
  const std::string insurer = message.add(
      insurer_organization(ids.resource_id("Organization/insurer"), request.payer_license),
      "insurer-organization");
  json reconciliation = {{"value", request.reconciliation_id}};
  if (!request.reconciliation_system.empty()) {
    reconciliation["system"] = request.reconciliation_system;
  }
  json notice = {
      {"resourceType", "PaymentNotice"},
      {"id", ids.resource_id("PaymentNotice")},
      {"identifier", json::array({{{"system", settings.provider_base_url + "/paymentnotice"},
                                   {"value", ids.business_id}}})},
      {"status", "active"},
      {"created", ksa_date(now_ms)},
      {"provider", reference(provider)},
      {"payment", {{"type", "PaymentReconciliation"}, {"identifier", std::move(reconciliation)}}},
      {"recipient", reference(insurer)},
      {"amount", money(request.amount)},
      {"paymentStatus", request_coding(v::kPaymentStatus, "cleared")},
  };
  message.add(std::move(notice), "payment-notice", true);
  return message.build();
}

}  // namespace wasl::plugins::nphies
