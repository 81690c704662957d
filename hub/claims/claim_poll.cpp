#include "hub/claims/claim_poll.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/domain/claim.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// Whether a claim in state `s` still waits for the payer's answer.
bool awaits_answer(domain::ClaimState s) {
  return s == domain::ClaimState::kQueued || s == domain::ClaimState::kSubmitted ||
         s == domain::ClaimState::kDraft || s == domain::ClaimState::kError;
}

// Records one polled answer on its claim. True when the answer is settled
// (recorded, or nothing left to record) and may be acknowledged.
Result<bool> record_answer(const ClaimPollDeps& deps, const std::string& facility_id,
                           const sdk::ClaimResponse& answer, std::int64_t now_ms,
                           const std::string& actor, ClaimPollResult& out) {
  ClaimStore claims(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(
      std::optional<std::string> id,
      claims.find_by_request_message(*tx, facility_id, answer.request_message_id));
  if (!id) {
    ++out.unmatched;
    tx->rollback();
    return false;
  }
  WASL_ASSIGN_OR_RETURN(domain::Claim claim, claims.get(*tx, facility_id, *id));
  if (!awaits_answer(claim.state)) {
    tx->rollback();
    return true;
  }
  ClaimSubmission submission = claim_submission_of(nlohmann::json(answer), now_ms);
  if (submission.state == domain::ClaimState::kQueued &&
      claim.state == domain::ClaimState::kQueued) {
    tx->rollback();  // still queued: nothing new
    return false;
  }
  ClaimActor by;
  by.actor = actor;
  if (claim.run_id) by.run_id = *claim.run_id;
  WASL_RETURN_IF_ERROR(claims.record_submission(*tx, facility_id, *id, submission, by));
  WASL_RETURN_IF_ERROR(tx->commit());
  ++out.matched;
  return true;
}

}  // namespace

Result<ClaimPollResult> poll_claims(const ClaimPollDeps& deps, const std::string& facility_id,
                                    std::int64_t now_ms, const std::string& actor) {
  auto facility = deps.config->facilities.find(facility_id);
  if (facility == deps.config->facilities.end() || !facility->second.billing ||
      facility->second.bindings.count("billing") == 0) {
    // kNotFound, apart from the instance's own refusals (an expired client
    // certificate is a kFailedPrecondition naming the instance).
    return Error(ErrorCode::kNotFound,
                 "billing.poll: facility " + facility_id + " has no billing binding", false);
  }
  const std::string& provider_license = facility->second.billing->provider_license;
  sdk::PollRequest request;
  request.idempotency_key = "wasl-poll-" + facility_id + "-" + std::to_string(now_ms);
  request.max_messages = kMaxPollMessages;
  request.message_types = {"claim-response"};
  request.provider_license = provider_license;
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  WASL_ASSIGN_OR_RETURN(std::vector<sdk::ClaimResponse> answers, billing->poll(request));
  ClaimPollResult out;
  out.fetched = static_cast<int>(answers.size());
  for (const sdk::ClaimResponse& answer : answers) {
    WASL_ASSIGN_OR_RETURN(bool settled,
                          record_answer(deps, facility_id, answer, now_ms, actor, out));
    if (!settled || answer.message_id.empty()) continue;
    sdk::AcknowledgeRequest ack;
    ack.idempotency_key = "wasl-ack-" + answer.message_id;
    ack.message_id = answer.message_id;
    ack.provider_license = provider_license;
    auto acknowledged = billing->acknowledge(ack);
    if (acknowledged.ok()) {
      ++out.acknowledged;
    } else if (acknowledged.error().code != ErrorCode::kUnimplemented) {
      // Not acknowledged: the exchange delivers the answer again, and the
      // claim, already moved, takes nothing from it.
      continue;
    }
  }
  return out;
}

ClaimPollJob::ClaimPollJob(ClaimPollDeps deps) : deps_(std::move(deps)) {
  for (const auto& [id, facility] : deps_.config->facilities) {
    if (facility.billing && facility.bindings.count("billing") != 0) next_due_[id] = 0;
  }
}

std::chrono::milliseconds ClaimPollJob::interval() const {
  std::chrono::milliseconds shortest{300000};
  for (const auto& [id, facility] : deps_.config->facilities) {
    if (facility.billing && facility.bindings.count("billing") != 0) {
      shortest = std::min(shortest, facility.billing->poll_interval);
    }
  }
  return shortest;
}

int ClaimPollJob::tick(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  int polls = 0;
  for (auto& [facility_id, due] : next_due_) {
    if (now_ms < due) continue;
    const auto& billing = deps_.config->facilities.at(facility_id).billing;
    due = now_ms + billing->poll_interval.count();
    ++polls;
    auto polled = poll_claims(deps_, facility_id, now_ms);
    if (!polled.ok()) {
      spdlog::warn("billing.poll for facility {} failed: {}", facility_id, polled.error().message);
      continue;
    }
    if (polled->fetched > 0) {
      spdlog::info("billing.poll for facility {}: {} answer(s), {} claim(s) moved, {} unmatched",
                   facility_id, polled->fetched, polled->matched, polled->unmatched);
    }
  }
  return polls;
}

}  // namespace wasl::claims
