#include "hub/claims/polled_message_router.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/domain/claim.hpp"
#include "hub/storage/row_id.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// Whether a claim in state `s` still waits for the payer's answer.
bool awaits_answer(domain::ClaimState s) {
  return s == domain::ClaimState::kQueued || s == domain::ClaimState::kInDoubt ||
         s == domain::ClaimState::kSubmitted || s == domain::ClaimState::kDraft ||
         s == domain::ClaimState::kError;
}

struct Route {
  BillingMessageState state = BillingMessageState::kRecorded;
  std::optional<std::string> claim_id;
  std::optional<std::string> problem;
  bool hold = false;   // nothing new: neither stored nor acknowledged
  bool moved = false;  // a claim answer changed its claim
};

Route unmatched(std::string problem) {
  Route r;
  r.state = BillingMessageState::kUnmatched;
  r.problem = std::move(problem);
  return r;
}

// A claim or prior-authorization answer: recorded on the claim its request
// message submitted.
Result<Route> route_answer(const ClaimPollDeps& deps, storage::Transaction& tx,
                           const std::string& facility_id, const sdk::PolledMessage& m,
                           std::int64_t now_ms, const std::string& actor) {
  ClaimStore claims(*deps.cipher, *deps.audit);
  const std::string& answers =
      m.answer.request_message_id.empty() ? m.request_message_id : m.answer.request_message_id;
  WASL_ASSIGN_OR_RETURN(std::optional<std::string> id,
                        claims.find_by_request_message(tx, facility_id, answers));
  if (!id) return unmatched("it answers no claim of the facility");
  Route r;
  r.claim_id = id;
  WASL_ASSIGN_OR_RETURN(domain::Claim claim, claims.get(tx, facility_id, *id));
  if (!awaits_answer(claim.state)) return r;  // decided or cancelled: nothing new
  ClaimSubmission submission = claim_submission_of(nlohmann::json(m.answer), now_ms);
  if (submission.state == domain::ClaimState::kQueued &&
      claim.state == domain::ClaimState::kQueued) {
    r.hold = true;
    return r;
  }
  ClaimActor by;
  by.actor = actor;
  if (claim.run_id) by.run_id = *claim.run_id;
  WASL_RETURN_IF_ERROR(claims.record_submission(tx, facility_id, *id, submission, by));
  r.moved = true;
  return r;
}

// Decides the message's row and applies what it changes, in `tx`.
Result<Route> route(const ClaimPollDeps& deps, storage::Transaction& tx,
                    const std::string& facility_id, const sdk::PolledMessage& m,
                    std::int64_t now_ms, const std::string& actor) {
  ClaimStore claims(*deps.cipher, *deps.audit);
  if (m.event == "claim-response" || m.event == "priorauth-response") {
    return route_answer(deps, tx, facility_id, m, now_ms, actor);
  }
  if (m.event == "communication-request") {
    WASL_ASSIGN_OR_RETURN(
        std::optional<std::string> id,
        claims.find_by_request_key(tx, facility_id, m.information_request.claim_request_id));
    if (!id) return unmatched("it is about no claim of the facility");
    Route r;
    r.claim_id = id;
    return r;
  }
  if (m.event == "payment-reconciliation") {
    if (m.payment.details.empty()) return unmatched("it pays no claim");
    Route r;
    for (const sdk::PaymentDetail& detail : m.payment.details) {
      WASL_ASSIGN_OR_RETURN(std::optional<std::string> id,
                            claims.find_by_request_key(tx, facility_id, detail.claim_request_id));
      if (!id) return unmatched("it pays a claim the facility does not hold");
      if (!r.claim_id) r.claim_id = id;
    }
    return r;
  }
  if (m.event == "advanced-authorization") return Route{};
  if (m.event == "error-notice") {
    Route r;
    r.state = BillingMessageState::kError;
    WASL_ASSIGN_OR_RETURN(r.claim_id,
                          claims.find_by_request_message(tx, facility_id, m.request_message_id));
    std::string codes;
    for (const sdk::BillingError& e : m.error_notice.errors) {
      codes += (codes.empty() ? "" : ", ") + e.code;
    }
    r.problem = "the exchange reported an error" + (codes.empty() ? "" : ": " + codes);
    return r;
  }
  Route r;
  r.state = BillingMessageState::kUnreadable;
  r.problem = m.event == "unreadable" && !m.problem.empty()
                  ? m.problem
                  : "the hub does not read " +
                        (m.event.empty() ? "messages without an event" : m.event + " messages");
  return r;
}

std::string stored_form(const sdk::PolledMessage& m) {
  return nlohmann::json(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void alert_error_notice(const ClaimPollDeps& deps, const std::string& facility_id,
                        const std::string& billing_message_id, const Route& r) {
  if (!deps.alert) return;
  ClaimAlert alert;
  alert.kind = "billing.error_notice";
  alert.facility_id = facility_id;
  alert.claim_id = r.claim_id.value_or("");
  alert.billing_message_id = billing_message_id;
  deps.alert(alert);
}

}  // namespace

Result<RoutedMessage> take_polled_message(const ClaimPollDeps& deps, const std::string& facility_id,
                                          const sdk::PolledMessage& message, std::int64_t now_ms,
                                          const std::string& actor) {
  RoutedMessage out;
  if (message.message_id.empty()) {
    // Nothing to acknowledge it by, nor to know it again by.
    spdlog::warn("billing.poll for facility {}: a {} message without an id was set aside",
                 facility_id, message.event);
    return out;
  }
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(Route r, route(deps, *tx, facility_id, message, now_ms, actor));
  if (r.hold) {
    tx->rollback();
    return out;
  }
  BillingMessage row;
  WASL_ASSIGN_OR_RETURN(row.id, storage::new_row_id());
  row.facility_id = facility_id;
  row.message_id = message.message_id;
  row.event = message.event;
  row.state = r.state;
  row.claim_id = r.claim_id;
  if (!message.request_message_id.empty()) row.request_message_id = message.request_message_id;
  row.problem = r.problem;
  row.received_at = now_ms;
  row.message = stored_form(message);
  BillingMessageStore messages(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(bool inserted, messages.insert(*tx, row, actor));
  out.acknowledge = true;
  if (!inserted) {
    tx->rollback();  // delivered again: what it changed is already recorded
    return out;
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  out.stored = true;
  out.moved_claim = r.moved;
  out.state = r.state;
  out.claim_id = r.claim_id;
  out.billing_message_id = row.id;
  if (r.state == BillingMessageState::kError) alert_error_notice(deps, facility_id, row.id, r);
  return out;
}

Result<int> rematch_answers(const ClaimPollDeps& deps, const std::string& facility_id,
                            std::int64_t now_ms) {
  BillingMessageStore messages(*deps.cipher, *deps.audit);
  ClaimStore claims(*deps.cipher, *deps.audit);
  std::vector<std::string> known;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(std::vector<BillingMessage> waiting,
                          messages.unmatched_answers(*tx, facility_id, kMaxRematched));
    for (const BillingMessage& m : waiting) {
      WASL_ASSIGN_OR_RETURN(
          std::optional<std::string> claim,
          claims.find_by_request_message(*tx, facility_id, m.request_message_id.value_or("")));
      if (claim) known.push_back(m.id);
    }
  }
  int moved = 0;
  for (const std::string& id : known) {
    auto replayed = replay_billing_message(deps, facility_id, id, now_ms, "system");
    if (!replayed.ok()) {
      // Another hub replayed it meanwhile (recorded now), or it cannot be
      // read: the next round looks again.
      spdlog::warn("billing message {} of facility {} could not be matched again: {}", id,
                   facility_id, replayed.error().message);
      continue;
    }
    if (replayed->state == BillingMessageState::kRecorded) ++moved;
  }
  return moved;
}

Result<BillingMessage> replay_billing_message(const ClaimPollDeps& deps,
                                              const std::string& facility_id, const std::string& id,
                                              std::int64_t now_ms, const std::string& actor) {
  BillingMessageStore messages(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(BillingMessage row, messages.get(*tx, facility_id, id, true));
  if (row.state == BillingMessageState::kRecorded) {
    return Error(ErrorCode::kFailedPrecondition,
                 "billing message " + id +
                     " is recorded; only unmatched, unreadable and error "
                     "messages are replayed");
  }
  sdk::PolledMessage message;
  try {
    message = nlohmann::json::parse(row.message).get<sdk::PolledMessage>();
  } catch (const nlohmann::json::exception&) {
    return Error(ErrorCode::kFailedPrecondition, "billing message " + id + " cannot be read again");
  }
  WASL_ASSIGN_OR_RETURN(Route r, route(deps, *tx, facility_id, message, now_ms, actor));
  if (!r.hold) {
    row.state = r.state;
    row.claim_id = r.claim_id;
    row.problem = r.problem;
  }
  WASL_RETURN_IF_ERROR(messages.settle_replay(*tx, row, actor, now_ms));
  WASL_RETURN_IF_ERROR(tx->commit());
  row.message.clear();
  ++row.replays;
  row.updated_at = now_ms;
  return row;
}

}  // namespace wasl::claims
