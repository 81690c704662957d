// NphiesBillingGateway: BillingGateway over NPHIES FHIR messaging. Every call
// builds one request message (request_messages.hpp) with ids derived from its
// idempotency key, sends it over mutual TLS (ExchangeClient) and reads the
// answer (response_reader.hpp).
//
// - check_eligibility: eligibility-request; never queued by NPHIES.
// - submit_claim / request_prior_authorization: claim-request /
//   priorauth-request. An answer with outcome "queued" is a ClaimResponse
//   with status "queued": its answer arrives through poll(). No answer (a
//   timeout, connect timeout included, a connection refused, reset or closed
//   without an answer, HTTP 408 or 504; ExchangeClient) is a ClaimResponse
//   with status "unknown" naming the message sent (request_id,
//   request_message_id): the exchange may hold the claim or not. Any other
//   error answer (a 4xx with an OperationOutcome, 429, 500, …) stays an Error.
// - check_status: status-check Task (code status) naming the Claim
//   identifier the claim-request carried; the status-response read into
//   queued / complete / not_held (ClaimStatus).
// - poll: poll-request (include-message-type, count <= 100); each answer
//   carries request_message_id (the MessageHeader id of the claim it
//   answers) and message_id (for acknowledge()).
// - poll_messages: the same poll-request, one include-message-type per
//   event asked for (every event polled_message_reader.hpp reads when the
//   request names none); each message of the poll-response read into a
//   PolledMessage (polled_message_reader.hpp), an unreadable one included.
//   Only a poll-response that is not one (or answers another message) is an
//   error (kUnavailable, retryable).
// - acknowledge: an acknowledgement message answering the polled message.
// - cancel: cancel-request Task naming the claim's business identifier.
// - answer_information_request: a communication about the claim as it was
//   sent (its key gives the Claim identifier; its patient, licences and
//   provider name the parties), answering the CommunicationRequest named;
//   send_payment_notice: a payment-notice naming the reconciliation. The
//   exchange's acknowledgement "ok" is an Acknowledgement; "fatal-error" is
//   kInvalidArgument (not retryable) naming each rule broken ("CM-0003: …").
// - submit_batch: batch-request (batch_request.hpp) carrying each claim's
//   claim-request as submit_claim would send it; the batch-response "ok" is
//   status "taken", each claim "queued" under the MessageHeader id it
//   carries (its answer comes through poll); "fatal-error" is "refused"
//   with the rules it names; no answer (as for a claim) is "unknown".
// Every message is checked before it is sent (outgoing_checks.hpp, against
// settings profile_version): one that breaks a rule is never sent; the call
// fails with kInvalidArgument, not retryable, naming the rule and where,
// and one warning is logged. Otherwise errors follow billing.hpp and
// exchange_client.hpp. Thread-safe.
#pragma once

#include "plugins/nphies/exchange_client.hpp"
#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::plugins::nphies {

class NphiesBillingGateway final : public sdk::BillingGateway {
 public:
  // `host` must outlive the gateway.
  NphiesBillingGateway(sdk::Host& host, NphiesSettings settings);

  sdk::Result<sdk::ClaimResponse> check_eligibility(
      const sdk::EligibilityRequest& request) override;
  sdk::Result<sdk::ClaimResponse> request_prior_authorization(const sdk::Claim& claim) override;
  sdk::Result<sdk::ClaimResponse> submit_claim(const sdk::Claim& claim) override;
  sdk::Result<std::vector<sdk::ClaimResponse>> poll(const sdk::PollRequest& request) override;
  sdk::Result<std::vector<sdk::PolledMessage>> poll_messages(
      const sdk::PollRequest& request) override;
  sdk::Result<sdk::ClaimResponse> cancel(const sdk::CancelRequest& request) override;
  sdk::Result<sdk::Acknowledgement> acknowledge(const sdk::AcknowledgeRequest& request) override;
  sdk::Result<sdk::ClaimStatus> check_status(const sdk::StatusCheckRequest& request) override;
  sdk::Result<sdk::Acknowledgement> answer_information_request(
      const sdk::InformationAnswer& answer) override;
  sdk::Result<sdk::Acknowledgement> send_payment_notice(const sdk::PaymentNotice& notice) override;
  sdk::Result<sdk::BatchAcknowledgement> submit_batch(const sdk::ClaimBatch& batch) override;

 private:
  // Sends a message the payer acknowledges (communication, payment-notice):
  // kInvalidArgument naming the rules when it refuses.
  sdk::Result<sdk::Acknowledgement> acknowledged(const nlohmann::json& message,
                                                 std::string_view event,
                                                 const std::string& idempotency_key);
  sdk::Result<sdk::ClaimResponse> send_claim(const sdk::Claim& claim);
  // Checks `message` (outgoing_checks.hpp) and sends it (ExchangeClient::send,
  // `answer_lost` as there); a message that breaks a rule is not sent.
  sdk::Result<nlohmann::json> send(const nlohmann::json& message, std::string_view event,
                                   bool* answer_lost = nullptr);
  // Sends `message` and reads the answer, which must be `expected` and
  // answer the message's own MessageHeader id.
  // `answer_lost` as ExchangeClient::send.
  sdk::Result<sdk::ClaimResponse> exchange(const nlohmann::json& message, std::string_view event,
                                           std::string_view expected,
                                           const std::string& idempotency_key,
                                           bool* answer_lost = nullptr);

  sdk::Host& host_;
  const NphiesSettings settings_;
  ExchangeClient client_;
};

}  // namespace wasl::plugins::nphies
