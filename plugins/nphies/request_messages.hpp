// The request messages the plugin sends, each built from the SDK request
// with ids derived from its idempotency key (message_ids.hpp):
//   eligibility-request  CoverageEligibilityRequest + Patient, Coverage,
//                        provider and insurer Organizations
//   claim-request /      Claim (use claim / preauthorization) + Patient,
//   priorauth-request    Coverage, Organizations, Practitioner and the
//                        virtual Encounter (class VR, encounter-auth-VR)
//   cancel-request       Task (code cancel, or nullify for an adjudicated
//                        claim) naming the claim's identifier
//   status-check         Task (code status) naming the claim's identifier
//   poll-request         Task (code poll, include-message-type, count <= 100)
//   acknowledgement      MessageHeader answering a polled message
//   communication        Communication answering an information request
//                        (text, PDF and JPEG attachments, or "cannot supply")
//   payment-notice       PaymentNotice: a payment reconciliation taken
// Errors: kInvalidArgument naming what the request lacks (a licence, a
// patient identifier, an item), never quoting patient data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

sdk::Result<nlohmann::json> eligibility_request_message(const NphiesSettings& settings,
                                                        const sdk::EligibilityRequest& request,
                                                        std::int64_t now_ms);

// claim.use "claim" -> claim-request, "preauthorization" -> priorauth-request.
// A claim with related_request_id resubmits the claim sent with that key:
// Claim.related names it by its identifier exactly as its claim-request
// carried it ({claim_identifier_system}, req_<key>), relationship
// related_relationship ("prior" when empty; "associated") of HL7
// ex-relatedclaimrelationship; kInvalidArgument for another relationship
// or a claim naming itself.
sdk::Result<nlohmann::json> claim_request_message(const NphiesSettings& settings,
                                                  const sdk::Claim& claim, std::int64_t now_ms);

// The task-reason-code values (http://nphies.sa/terminology/CodeSystem/
// task-reason-code) a cancellation may give: WI wrong information, NP
// service not performed, TAS transaction already submitted, SU.
inline constexpr std::string_view kCancelReasons[] = {"WI", "NP", "TAS", "SU"};

// request.kind "cancel" (or empty): Task code cancel, withdrawing a claim the
// payer has not adjudicated; "nullify": Task code nullify, reversing an
// adjudicated one. reasonCode request.reason (WI when empty). The Task's
// focus is the claim's identifier exactly as its claim-request carried it.
// kInvalidArgument for another kind or a reason not in kCancelReasons.
sdk::Result<nlohmann::json> cancel_request_message(const NphiesSettings& settings,
                                                   const sdk::CancelRequest& request,
                                                   std::int64_t now_ms);

// The status-check of the claim submitted with idempotency key
// request.request_id: a Task (code status, requested, order) whose focus is
// that claim's Claim.identifier exactly as its claim-request carried it;
// the check's own ids come from request.idempotency_key (one per check).
sdk::Result<nlohmann::json> status_check_message(const NphiesSettings& settings,
                                                 const sdk::StatusCheckRequest& request,
                                                 std::int64_t now_ms);

// count: min(request.max_messages, settings.poll_count), at least 1.
sdk::Result<nlohmann::json> poll_request_message(const NphiesSettings& settings,
                                                 const sdk::PollRequest& request,
                                                 std::int64_t now_ms);

sdk::Result<nlohmann::json> acknowledgement_message(const NphiesSettings& settings,
                                                    const sdk::AcknowledgeRequest& request,
                                                    std::int64_t now_ms);

// The largest message the exchange takes: 10 MiB of JSON.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{10} << 20;

// A document sent with an answer.
struct CommunicationAttachment {
  std::string content_type;     // "application/pdf" or "image/jpeg"
  std::string title;            // what it is, e.g. "Visit note"
  std::string data_base64;      // the document, base64 with padding (RFC 4648 §4)
  std::int64_t created_ms = 0;  // when it was made; 0: not said
};

// The provider's answer to an information request (communication), or an
// unsolicited communication about a claim: what the gateway makes of an
// sdk::InformationAnswer (communication_answer_of, nphies_billing_gateway).
struct CommunicationAnswer {
  // One per answer: Bundle and MessageHeader ids and the Communication
  // identifier; a resend carries the same.
  std::string idempotency_key;
  // The CommunicationRequest answered (InformationRequest request_id and
  // request_system); empty: unsolicited.
  std::string request_id;
  std::string request_system;
  std::string claim_request_id;  // the idempotency key of the claim it is about
  std::vector<std::string> texts;
  std::vector<CommunicationAttachment> attachments;
  // Not empty: the provider cannot supply what is asked (status not-done,
  // statusReason.text this); attachments are then refused.
  std::string cannot_supply_reason;
  std::string provider_license;
  std::string provider_name;
  std::string payer_license;
  sdk::PatientSummary patient;  // the claim's patient (subject)
};

// Communication (profile communication): identifier
// {provider_base_url}/communication, status completed (or not-done with
// statusReason.text), basedOn the CommunicationRequest, about the Claim
// identifier the claim-request carried, subject the Patient, sent, sender
// the provider, recipient the insurer, payload: each text as contentString,
// each attachment as contentAttachment (contentType, data, title, size =
// the decoded bytes, creation). kInvalidArgument naming what is wrong: a
// licence, the key or the claim missing; nothing to say (no text, no
// attachment, no reason); an attachment that is not PDF or JPEG, not
// base64, empty, without a title, or whose bytes do not begin as its type
// says (%PDF-, FF D8 FF); attachments with a cannot-supply answer; a
// message larger than kMaxMessageBytes. Never quotes the content.
sdk::Result<nlohmann::json> communication_message(const NphiesSettings& settings,
                                                  const CommunicationAnswer& answer,
                                                  std::int64_t now_ms);

// What the provider tells the payer after taking a payment reconciliation
// (from an sdk::PaymentNotice).
struct PaymentNoticeRequest {
  std::string idempotency_key;
  // The PaymentReconciliation's identifier[0] (reconciliation_id and
  // reconciliation_system) and its paymentAmount, in SAR.
  std::string reconciliation_id;
  std::string reconciliation_system;
  double amount = 0;
  std::string provider_license;
  std::string payer_license;
};

// PaymentNotice (profile payment-notice): identifier
// {provider_base_url}/paymentnotice, status active, created, provider,
// payment naming the reconciliation's identifier, recipient the insurer,
// amount, paymentStatus cleared. kInvalidArgument when the key, a licence or
// the reconciliation is missing, or the amount is negative or not finite.
sdk::Result<nlohmann::json> payment_notice_message(const NphiesSettings& settings,
                                                   const PaymentNoticeRequest& request,
                                                   std::int64_t now_ms);

}  // namespace wasl::plugins::nphies
