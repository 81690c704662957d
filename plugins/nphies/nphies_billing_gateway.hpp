// NphiesBillingGateway: BillingGateway over NPHIES FHIR messaging. Every call
// builds one request message (request_messages.hpp) with ids derived from its
// idempotency key, sends it over mutual TLS (ExchangeClient) and reads the
// answer (response_reader.hpp).
//
// - check_eligibility: eligibility-request; never queued by NPHIES.
// - submit_claim / request_prior_authorization: claim-request /
//   priorauth-request. An answer with outcome "queued", or no answer within
//   settings request_timeout (the exchange queues what it accepted), is a
//   ClaimResponse with status "queued": its answer arrives through poll().
// - poll: poll-request (include-message-type, count <= 100); each answer
//   carries request_message_id (the MessageHeader id of the claim it
//   answers) and message_id (for acknowledge()).
// - acknowledge: an acknowledgement message answering the polled message.
// - cancel: cancel-request Task naming the claim's business identifier.
// Errors follow billing.hpp and exchange_client.hpp. Thread-safe.
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
  sdk::Result<sdk::ClaimResponse> cancel(const sdk::CancelRequest& request) override;
  sdk::Result<sdk::Acknowledgement> acknowledge(const sdk::AcknowledgeRequest& request) override;

 private:
  sdk::Result<sdk::ClaimResponse> send_claim(const sdk::Claim& claim);
  // Sends `message` and reads the answer, which must be `expected` and
  // answer the message's own MessageHeader id.
  sdk::Result<sdk::ClaimResponse> exchange(const nlohmann::json& message, std::string_view event,
                                           std::string_view expected,
                                           const std::string& idempotency_key);

  sdk::Host& host_;
  const NphiesSettings settings_;
  ExchangeClient client_;
};

}  // namespace wasl::plugins::nphies
