// BillingProxy: the hub's BillingGateway for a plugin instance, calling through the C ABI.
// Thread-safe; keeps the instance (and so its library) alive.
#pragma once

#include <memory>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::plugin_host {

class BillingProxy final : public sdk::BillingGateway {
 public:
  explicit BillingProxy(std::shared_ptr<PluginInstance> instance)
      : instance_(std::move(instance)) {}

  sdk::Result<sdk::ClaimResponse> check_eligibility(
      const sdk::EligibilityRequest& request) override;
  sdk::Result<sdk::ClaimResponse> request_prior_authorization(const sdk::Claim& claim) override;
  sdk::Result<sdk::ClaimResponse> submit_claim(const sdk::Claim& claim) override;
  sdk::Result<std::vector<sdk::ClaimResponse>> poll(const sdk::PollRequest& request) override;
  sdk::Result<sdk::ClaimResponse> cancel(const sdk::CancelRequest& request) override;
  sdk::Result<sdk::Acknowledgement> acknowledge(const sdk::AcknowledgeRequest& request) override;
  sdk::Result<sdk::ClaimStatus> check_status(const sdk::StatusCheckRequest& request) override;
  sdk::Result<std::vector<sdk::PolledMessage>> poll_messages(
      const sdk::PollRequest& request) override;
  sdk::Result<sdk::Acknowledgement> answer_information_request(
      const sdk::InformationAnswer& answer) override;
  sdk::Result<sdk::Acknowledgement> send_payment_notice(const sdk::PaymentNotice& notice) override;
  sdk::Result<sdk::BatchAcknowledgement> submit_batch(const sdk::ClaimBatch& batch) override;

 private:
  std::shared_ptr<PluginInstance> instance_;
};

}  // namespace wasl::plugin_host
