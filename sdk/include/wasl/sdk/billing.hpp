// billing.hpp: an insurance exchange (NPHIES FHIR messaging).
//
// Error contract for every method:
// - success: a ClaimResponse; a payer's rejection is a successful call whose
//   response says approved = false (with errors), not an Error. A response the
//   exchange queued has status "queued" and arrives later through poll();
// - retryable failure (network, 5xx, timeout, exchange busy): Error with
//   retryable = true; the hub resends with the same idempotency key, which the
//   plugin uses as message id and business identifier, so the exchange
//   answers a resend with its stored response;
// - SDK 1.2, no answer (submit_claim and request_prior_authorization only):
//   a ClaimResponse with status "unknown" when the message went out but its
//   answer never arrived (a timeout, a dropped connection, HTTP 408 or 504):
//   the exchange may hold the claim or not. It is neither queued nor failed:
//   the hub asks with check_status and, unless the claim is queued there,
//   resends it with the same idempotency key;
// - permanent failure (message rejected as malformed, bad certificate):
//   Error with retryable = false.
// Thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::sdk {

class BillingGateway {
 public:
  virtual ~BillingGateway() = default;

  static constexpr std::string_view kCheckEligibility = "billing.check_eligibility";
  static constexpr std::string_view kRequestPriorAuthorization =
      "billing.request_prior_authorization";
  static constexpr std::string_view kSubmitClaim = "billing.submit_claim";
  static constexpr std::string_view kPoll = "billing.poll";
  static constexpr std::string_view kCancel = "billing.cancel";
  static constexpr std::string_view kAcknowledge = "billing.acknowledge";
  static constexpr std::string_view kCheckStatus = "billing.check_status";
  static constexpr std::string_view kPollMessages = "billing.poll_messages";
  static constexpr std::string_view kAnswerInformationRequest =
      "billing.answer_information_request";
  static constexpr std::string_view kSendPaymentNotice = "billing.send_payment_notice";
  static constexpr std::string_view kSubmitBatch = "billing.submit_batch";

  // Coverage eligibility for a service date (never queued by NPHIES).
  virtual Result<ClaimResponse> check_eligibility(const EligibilityRequest& request) = 0;

  // Prior authorization (Claim with use = "preauthorization").
  virtual Result<ClaimResponse> request_prior_authorization(const Claim& claim) = 0;

  // SDK 1.3: a claim with related_request_id resubmits the claim sent with
  // that key (the exchange checks the one it replaces was rejected).
  virtual Result<ClaimResponse> submit_claim(const Claim& claim) = 0;

  // Fetches queued responses (at most request.max_messages); empty when none.
  // Each carries request_message_id (the message it answers) and message_id
  // (to acknowledge). An answer not acknowledged may be delivered again.
  virtual Result<std::vector<ClaimResponse>> poll(const PollRequest& request) = 0;

  // Cancels an earlier claim or authorization; SDK 1.3: request.kind
  // "nullify" reverses one the payer adjudicated instead. The exchange
  // taking it answers approved = true; refusing it (a claim it does not
  // hold, one in a state that cannot be cancelled), approved = false with
  // its error codes in errors. A resend with the same idempotency key is the
  // same message.
  virtual Result<ClaimResponse> cancel(const CancelRequest& request) = 0;

  // SDK 1.1: confirms a polled answer was recorded; acknowledging twice is
  // harmless. The default answers kUnimplemented (an exchange without
  // acknowledgements delivers each answer once).
  virtual Result<Acknowledgement> acknowledge(const AcknowledgeRequest& request) {
    (void)request;
    return Error(ErrorCode::kUnimplemented, "this billing plugin does not acknowledge answers");
  }

  // SDK 1.2: whether the exchange holds the claim submitted with
  // request.request_id (see ClaimStatus). Any Error (the check's own answer
  // lost included) leaves the claim's fate unknown: ask again later. The
  // default answers kUnimplemented (a plugin that never answers "unknown").
  virtual Result<ClaimStatus> check_status(const StatusCheckRequest& request) {
    (void)request;
    return Error(ErrorCode::kUnimplemented, "this billing plugin does not check claim status");
  }
  // SDK 1.2: fetches every queued message of request.message_types (at most
  // request.max_messages; empty when none), each read into a PolledMessage
  // (types.hpp); a message the plugin cannot read is one too, with event
  // "unreadable". An answer not acknowledged may be delivered again. The
  // default answers kUnimplemented: the hub then polls claim answers alone
  // with poll().
  virtual Result<std::vector<PolledMessage>> poll_messages(const PollRequest& request) {
    (void)request;
    return Error(ErrorCode::kUnimplemented, "this billing plugin polls claim answers only");
  }
  // SDK 1.2: sends the provider's answer to an information request; the
  // exchange's acknowledgement, or a permanent Error naming the rule it
  // broke. A resend with the same idempotency key is the same message.
  virtual Result<Acknowledgement> answer_information_request(const InformationAnswer& answer) {
    (void)answer;
    return Error(ErrorCode::kUnimplemented,
                 "this billing plugin does not answer information requests");
  }
  // SDK 1.2: tells the payer a payment reconciliation was taken; as above.
  virtual Result<Acknowledgement> send_payment_notice(const PaymentNotice& notice) {
    (void)notice;
    return Error(ErrorCode::kUnimplemented, "this billing plugin does not send payment notices");
  }
  // SDK 1.4: sends batch.claims (1..kMaxBatchClaims, one provider to one
  // payer) as one batch, each claim as submit_claim would send it alone.
  // - taken: a BatchAcknowledgement with status "taken"; every claim is
  //   held and its answer arrives later through poll / poll_messages,
  //   naming the claim's request_message_id (BatchAcknowledgement::claims);
  // - refused: status "refused" with the exchange's error_details (a
  //   business rule of the batch as a whole); the exchange holds none of
  //   its claims. A batch the exchange cannot read, or one that breaks a
  //   rule before it is sent, is a permanent Error (retryable = false);
  // - retryable failure (network, 5xx, busy): Error with retryable = true;
  //   the exchange took nothing;
  // - answer lost: status "unknown" when the batch went out but its answer
  //   never arrived (as submit_claim's "unknown"): ask about each claim with
  //   check_status and resend it alone with its own idempotency key unless
  //   the exchange holds it.
  // A resend with the same idempotency key and claims is the same batch.
  // The default answers kUnimplemented (a plugin built before SDK 1.4, or
  // an exchange without batches): send each claim with submit_claim.
  virtual Result<BatchAcknowledgement> submit_batch(const ClaimBatch& batch) {
    (void)batch;
    return Error(ErrorCode::kUnimplemented, "this billing plugin does not send claim batches");
  }
};

}  // namespace wasl::sdk
