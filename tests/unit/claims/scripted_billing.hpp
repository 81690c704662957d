// ScriptedBilling: a test double of the billing plugin as the hub reaches it
// (the typed BillingGateway of a facility's instance). poll answers
// `answers` (or `poll_error`); submit_claim, request_prior_authorization,
// cancel and check_status answer the next of `submit_answers` /
// `cancel_answers` / `status_answers`, submit_batch the next of
// `batch_answers` (in order; refused as unimplemented when none is left);
// acknowledge succeeds.
// Every call is kept with the facility whose instance was looked up for it.
// Test-only.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/billing.hpp"

namespace wasl::claims::testing {

class ScriptedBilling final : public sdk::BillingGateway {
 public:
  sdk::Result<sdk::ClaimResponse> check_eligibility(const sdk::EligibilityRequest& r) override {
    record(kCheckEligibility, nlohmann::json(r));
    return refuse();
  }
  sdk::Result<sdk::ClaimResponse> request_prior_authorization(const sdk::Claim& c) override {
    record(kRequestPriorAuthorization, nlohmann::json(c));
    return next(submit_answers);
  }
  sdk::Result<sdk::ClaimResponse> submit_claim(const sdk::Claim& c) override {
    record(kSubmitClaim, nlohmann::json(c));
    return next(submit_answers);
  }
  sdk::Result<std::vector<sdk::ClaimResponse>> poll(const sdk::PollRequest& r) override {
    record(kPoll, nlohmann::json(r));
    if (poll_error) return *poll_error;
    return answers.get<std::vector<sdk::ClaimResponse>>();
  }
  sdk::Result<sdk::ClaimResponse> cancel(const sdk::CancelRequest& r) override {
    record(kCancel, nlohmann::json(r));
    return next(cancel_answers);
  }
  sdk::Result<sdk::Acknowledgement> acknowledge(const sdk::AcknowledgeRequest& r) override {
    record(kAcknowledge, nlohmann::json(r));
    std::lock_guard lock(mu_);
    if (exchange_queue) {
      std::erase_if(*exchange_queue,
                    [&](const sdk::PolledMessage& m) { return m.message_id == r.message_id; });
    }
    return sdk::Acknowledgement{r.message_id, true};
  }
  sdk::Result<sdk::Acknowledgement> answer_information_request(
      const sdk::InformationAnswer& a) override {
    record(kAnswerInformationRequest, nlohmann::json(a));
    return next(answer_results);
  }
  sdk::Result<sdk::Acknowledgement> send_payment_notice(const sdk::PaymentNotice& n) override {
    record(kSendPaymentNotice, nlohmann::json(n));
    return next(notice_results);
  }
  // Each batch is shown to `on_batch` (when set), then answers the next of
  // `batch_answers`; with none left, a plugin without batches
  // (kUnimplemented).
  sdk::Result<sdk::BatchAcknowledgement> submit_batch(const sdk::ClaimBatch& b) override {
    record(kSubmitBatch, nlohmann::json(b));
    if (on_batch) on_batch(b);
    return next(batch_answers);
  }
  // Unset exchange_queue: kUnimplemented (a plugin without poll_messages).
  // Set: the exchange's queue, oldest first, each message handed out until
  // it is acknowledged.
  sdk::Result<std::vector<sdk::PolledMessage>> poll_messages(const sdk::PollRequest& r) override {
    record(kPollMessages, nlohmann::json(r));
    std::lock_guard lock(mu_);
    if (!exchange_queue) return refuse();
    const auto n =
        std::min<std::size_t>(exchange_queue->size(), static_cast<std::size_t>(r.max_messages));
    return std::vector<sdk::PolledMessage>(exchange_queue->begin(),
                                           exchange_queue->begin() + static_cast<long>(n));
  }
  sdk::Result<sdk::ClaimStatus> check_status(const sdk::StatusCheckRequest& r) override {
    record(kCheckStatus, nlohmann::json(r));
    return next(status_answers);
  }

  struct Call {
    std::string facility, method;
    nlohmann::json input;
  };
  // The calls of `method`, in order.
  std::vector<Call> calls_of(std::string_view method) {
    std::lock_guard lock(mu_);
    std::vector<Call> out;
    for (const Call& c : calls) {
      if (c.method == method) out.push_back(c);
    }
    return out;
  }

  std::string facility;  // whose instance the hub looked up last
  std::vector<Call> calls;
  nlohmann::json answers = nlohmann::json::array();
  std::optional<sdk::Error> poll_error;
  std::optional<std::vector<sdk::PolledMessage>> exchange_queue;
  std::deque<sdk::Result<sdk::ClaimResponse>> submit_answers;
  std::deque<sdk::Result<sdk::ClaimResponse>> cancel_answers;
  std::deque<sdk::Result<sdk::ClaimStatus>> status_answers;
  std::deque<sdk::Result<sdk::Acknowledgement>> answer_results;
  std::deque<sdk::Result<sdk::Acknowledgement>> notice_results;
  std::deque<sdk::Result<sdk::BatchAcknowledgement>> batch_answers;
  std::function<void(const sdk::ClaimBatch&)> on_batch;

 private:
  void record(std::string_view method, nlohmann::json input) {
    std::lock_guard lock(mu_);
    calls.push_back({facility, std::string(method), std::move(input)});
  }
  template <typename T>
  sdk::Result<T> next(std::deque<sdk::Result<T>>& script) {
    std::lock_guard lock(mu_);
    if (script.empty()) return refuse();
    sdk::Result<T> r = std::move(script.front());
    script.pop_front();
    return r;
  }
  static sdk::Error refuse() {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not part of this test", false);
  }
  std::mutex mu_;
};

}  // namespace wasl::claims::testing
