#include "hub/claims/claim_poll.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_batches.hpp"
#include "hub/claims/claim_status_check.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/claims/information_answers.hpp"
#include "hub/claims/payment_notices.hpp"
#include "hub/claims/poll_lease.hpp"
#include "hub/claims/polled_message_router.hpp"
#include "hub/domain/claim.hpp"
#include "hub/storage/row_id.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// What the hub asks the exchange for at each poll (sdk PollRequest
// message_types): every event polled_message_router.hpp routes.
const std::vector<std::string>& polled_events() {
  static const std::vector<std::string> events = {
      "claim-response",         "priorauth-response",     "communication-request",
      "payment-reconciliation", "advanced-authorization", "error-notice"};
  return events;
}

// The queued messages: poll_messages, or, from a plugin without it
// (kUnimplemented), the claim answers of poll().
Result<std::vector<sdk::PolledMessage>> fetch(sdk::BillingGateway& billing,
                                              sdk::PollRequest request) {
  request.message_types = polled_events();
  auto messages = billing.poll_messages(request);
  if (messages.ok() || messages.error().code != ErrorCode::kUnimplemented) return messages;
  request.message_types = {"claim-response"};
  WASL_ASSIGN_OR_RETURN(std::vector<sdk::ClaimResponse> answers, billing.poll(request));
  std::vector<sdk::PolledMessage> out;
  out.reserve(answers.size());
  for (sdk::ClaimResponse& answer : answers) {
    sdk::PolledMessage m;
    m.event = "claim-response";
    m.message_id = answer.message_id;
    m.request_message_id = answer.request_message_id;
    m.answer = std::move(answer);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

Result<ClaimPollResult> poll_claims(const ClaimPollDeps& deps, const std::string& facility_id,
                                    std::int64_t now_ms, const audit::AuditActor& actor) {
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
  request.provider_license = provider_license;
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  WASL_ASSIGN_OR_RETURN(std::vector<sdk::PolledMessage> messages, fetch(*billing, request));
  ClaimPollResult out;
  out.fetched = static_cast<int>(messages.size());
  for (const sdk::PolledMessage& message : messages) {
    if (deps.keep_alive) deps.keep_alive();
    WASL_ASSIGN_OR_RETURN(RoutedMessage routed,
                          take_polled_message(deps, facility_id, message, now_ms, actor));
    if (routed.moved_claim) ++out.matched;
    if (routed.stored && routed.state != BillingMessageState::kRecorded) ++out.unmatched;
    if (!routed.acknowledge) continue;
    sdk::AcknowledgeRequest ack;
    ack.idempotency_key = "wasl-ack-" + message.message_id;
    ack.message_id = message.message_id;
    ack.provider_license = provider_license;
    auto acknowledged = billing->acknowledge(ack);
    if (acknowledged.ok()) {
      ++out.acknowledged;
    } else if (acknowledged.error().code != ErrorCode::kUnimplemented) {
      // Not acknowledged: the exchange delivers it again, and the hub, which
      // holds it, takes nothing more from it.
      continue;
    }
  }
  WASL_ASSIGN_OR_RETURN(int rematched, rematch_answers(deps, facility_id, now_ms));
  out.matched += rematched;
  return out;
}

ClaimPollJob::ClaimPollJob(ClaimPollDeps deps)
    : deps_(std::move(deps)), holder_(storage::new_row_id().value_or(std::string())) {
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
    const bool first = started_.insert(facility_id).second;
    if (!take_round(facility_id, now_ms, first)) continue;
    ++polls;
    (void)run_round(facility_id, now_ms, "system");
    auto finished = PollLease(*deps_.store).finish(facility_id, holder_, now_ms, due);
    if (!finished.ok() || !*finished) {
      spdlog::warn("billing round of facility {}: the lease was lost during the round",
                   facility_id);
    }
  }
  return polls;
}

Result<ClaimPollResult> ClaimPollJob::run_round(const std::string& facility_id, std::int64_t now_ms,
                                                const audit::AuditActor& actor) {
  const ClaimPollDeps deps = round_deps(facility_id, now_ms);
  auto checked = check_in_doubt_claims(deps, facility_id, now_ms);
  if (!checked.ok()) {
    spdlog::warn("billing.check_status for facility {} failed: {}", facility_id,
                 checked.error().message);
  } else if (checked->checked > 0 || checked->in_doubt > 0 || checked->skipped > 0) {
    spdlog::info(
        "billing.check_status for facility {}: {} answered, {} queued, {} resent and moved, "
        "{} still in doubt, {} cannot be asked about",
        facility_id, checked->checked, checked->queued, checked->resent, checked->in_doubt,
        checked->skipped);
  }
  log_batches(facility_id, send_claim_batches(deps, facility_id, now_ms));
  auto polled = poll_claims(deps, facility_id, now_ms, actor);
  if (!polled.ok()) {
    spdlog::warn("billing.poll for facility {} failed: {}", facility_id, polled.error().message);
  } else if (polled->fetched > 0) {
    spdlog::info("billing.poll for facility {}: {} answer(s), {} claim(s) moved, {} unmatched",
                 facility_id, polled->fetched, polled->matched, polled->unmatched);
  }
  auto noticed = send_payment_notices(deps, facility_id, now_ms);
  if (!noticed.ok()) {
    spdlog::warn("payment notices of facility {} failed: {}", facility_id, noticed.error().message);
  } else if (*noticed > 0) {
    spdlog::info("payment notices of facility {}: {} sent", facility_id, *noticed);
  }
  auto resent = resend_answers(deps, facility_id, now_ms);
  if (!resent.ok()) {
    spdlog::warn("information answers of facility {} failed: {}", facility_id,
                 resent.error().message);
  } else if (*resent > 0) {
    spdlog::info("information answers of facility {}: {} sent again and taken", facility_id,
                 *resent);
  }
  alert_unanswered(facility_id, now_ms);
  return polled;
}

ClaimPollDeps ClaimPollJob::round_deps(const std::string& facility_id, std::int64_t now_ms) {
  ClaimPollDeps deps = deps_;
  const auto started = std::chrono::steady_clock::now();
  auto renewed = std::make_shared<std::chrono::steady_clock::time_point>(started);
  deps.keep_alive = [this, facility_id, now_ms, started, renewed] {
    const auto at = std::chrono::steady_clock::now();
    if (at - *renewed < kRoundRenewal) return;
    *renewed = at;
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(at - started).count();
    auto kept =
        PollLease(*deps_.store).renew(facility_id, holder_, now_ms + elapsed + kRoundLease.count());
    if (!kept.ok() || !*kept) {
      spdlog::warn("billing round of facility {}: its lease could not be renewed", facility_id);
    }
  };
  return deps;
}

bool ClaimPollJob::take_round(const std::string& facility_id, std::int64_t now_ms,
                              bool due_or_not) {
  auto taken = PollLease(*deps_.store)
                   .take(facility_id, holder_, now_ms, now_ms + kRoundLease.count(), due_or_not);
  if (!taken.ok()) {
    spdlog::warn("billing round of facility {}: its lease cannot be taken: {}", facility_id,
                 taken.error().message);
    return false;
  }
  return *taken;
}

Result<ClaimPollResult> ClaimPollJob::poll_now(const std::string& facility_id, std::int64_t now_ms,
                                               const audit::AuditActor& actor) {
  // A round of this hub's own running now is as busy as another hub's.
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || !take_round(facility_id, now_ms, true)) {
    return Error(
        ErrorCode::kUnavailable,
        "the billing round of facility " + facility_id + " is running; poll again when it is done",
        true, std::chrono::milliseconds(5000));
  }
  // Everything a scheduled round does for the facility, now.
  auto polled = run_round(facility_id, now_ms, actor);
  // The next round stays due when it was.
  auto finished = PollLease(*deps_.store).finish(facility_id, holder_, now_ms, std::nullopt);
  if (!finished.ok()) {
    spdlog::warn("billing round of facility {}: its lease cannot be given back: {}", facility_id,
                 finished.error().message);
  }
  return polled;
}

void ClaimPollJob::alert_unanswered(const std::string& facility_id, std::int64_t now_ms) {
  auto old = unanswered_claims(deps_, facility_id, now_ms);
  if (!old.ok()) {
    spdlog::warn("unanswered claims of facility {}: {}", facility_id, old.error().message);
    return;
  }
  std::set<std::string>& alerted = alerted_[facility_id];
  std::set<std::string> still;
  for (const domain::Claim& c : *old) {
    still.insert(c.id);
    if (alerted.count(c.id) != 0) continue;
    ClaimAlert alert;
    alert.facility_id = facility_id;
    alert.claim_id = c.id;
    alert.state = std::string(domain::to_string(c.state));
    alert.sent_at_ms = c.submitted_at.value_or(c.created_at);
    spdlog::warn("claim {} of facility {} is still {} since {} ms", c.id, facility_id, alert.state,
                 alert.sent_at_ms);
    if (deps_.alert) deps_.alert(alert);
  }
  alerted = std::move(still);
}

}  // namespace wasl::claims
