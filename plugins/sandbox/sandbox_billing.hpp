// SandboxBilling: a stand-in insurance exchange (NPHIES) for the sandbox run
// and end-to-end tests — it sends nothing anywhere. Every method is recorded
// in the state file once per idempotency key (StateFile); a repeat answers the
// stored response. Answers follow the settings:
//   check_eligibility   complete; approved unless eligibility: denied
//   request_prior_authorization  complete, approved, pre_auth_ref "sandbox-preauth-<n>"
//   submit_claim        claim_outcome approved: complete, approved, total_benefit =
//                       Σ quantity × unit_price; rejected: complete, approved = false,
//                       errors ["sandbox-claim-rejected"]; queued: status "queued"
//                       and the approved adjudication is kept for poll()
//   poll                the queued adjudications not yet delivered (max_messages)
//   cancel              complete, approved; a queued claim's adjudication is dropped
// Thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "plugins/sandbox/settings.hpp"
#include "plugins/sandbox/state_file.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/host.hpp"

namespace wasl::plugins::sandbox {

class SandboxBilling final : public sdk::BillingGateway {
 public:
  // `host` outlives this object.
  SandboxBilling(sdk::Host& host, SandboxSettings settings, std::unique_ptr<StateFile> state);

  sdk::Result<sdk::ClaimResponse> check_eligibility(const sdk::EligibilityRequest& request) override;
  sdk::Result<sdk::ClaimResponse> request_prior_authorization(const sdk::Claim& claim) override;
  sdk::Result<sdk::ClaimResponse> submit_claim(const sdk::Claim& claim) override;
  sdk::Result<std::vector<sdk::ClaimResponse>> poll(const sdk::PollRequest& request) override;
  sdk::Result<sdk::ClaimResponse> cancel(const sdk::CancelRequest& request) override;

 private:
  // One recorded call answering a ClaimResponse built by `build`.
  sdk::Result<sdk::ClaimResponse> respond(std::string_view method, const std::string& key,
                                          const std::function<sdk::Result<sdk::ClaimResponse>(
                                              EffectScope&)>& build);

  sdk::Host& host_;
  const SandboxSettings settings_;
  std::unique_ptr<StateFile> state_;
};

}  // namespace wasl::plugins::sandbox
