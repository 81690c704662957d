#include "hub/plugin_host/billing_proxy.hpp"

#include "hub/plugin_host/typed_call.hpp"

namespace wasl::plugin_host {

using B = sdk::BillingGateway;

sdk::Result<sdk::ClaimResponse> BillingProxy::check_eligibility(
    const sdk::EligibilityRequest& request) {
  return typed_call<sdk::ClaimResponse>(*instance_, B::kCheckEligibility, request);
}
sdk::Result<sdk::ClaimResponse> BillingProxy::request_prior_authorization(const sdk::Claim& claim) {
  return typed_call<sdk::ClaimResponse>(*instance_, B::kRequestPriorAuthorization, claim);
}
sdk::Result<sdk::ClaimResponse> BillingProxy::submit_claim(const sdk::Claim& claim) {
  return typed_call<sdk::ClaimResponse>(*instance_, B::kSubmitClaim, claim);
}
sdk::Result<std::vector<sdk::ClaimResponse>> BillingProxy::poll(const sdk::PollRequest& request) {
  return typed_call<std::vector<sdk::ClaimResponse>>(*instance_, B::kPoll, request);
}
sdk::Result<sdk::ClaimResponse> BillingProxy::cancel(const sdk::CancelRequest& request) {
  return typed_call<sdk::ClaimResponse>(*instance_, B::kCancel, request);
}
sdk::Result<sdk::Acknowledgement> BillingProxy::acknowledge(
    const sdk::AcknowledgeRequest& request) {
  return typed_call<sdk::Acknowledgement>(*instance_, B::kAcknowledge, request);
}
sdk::Result<sdk::ClaimStatus> BillingProxy::check_status(const sdk::StatusCheckRequest& request) {
  return typed_call<sdk::ClaimStatus>(*instance_, B::kCheckStatus, request);
}
sdk::Result<std::vector<sdk::PolledMessage>> BillingProxy::poll_messages(
    const sdk::PollRequest& request) {
  return typed_call<std::vector<sdk::PolledMessage>>(*instance_, B::kPollMessages, request);
}
sdk::Result<sdk::Acknowledgement> BillingProxy::answer_information_request(
    const sdk::InformationAnswer& answer) {
  return typed_call<sdk::Acknowledgement>(*instance_, B::kAnswerInformationRequest, answer);
}
sdk::Result<sdk::Acknowledgement> BillingProxy::send_payment_notice(
    const sdk::PaymentNotice& notice) {
  return typed_call<sdk::Acknowledgement>(*instance_, B::kSendPaymentNotice, notice);
}
sdk::Result<sdk::BatchAcknowledgement> BillingProxy::submit_batch(const sdk::ClaimBatch& batch) {
  return typed_call<sdk::BatchAcknowledgement>(*instance_, B::kSubmitBatch, batch);
}

}  // namespace wasl::plugin_host
