#include "hub/claims/polled_message_router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "hub/claims/advanced_authorization_store.hpp"
#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/claims/information_request_store.hpp"
#include "hub/claims/payment_store.hpp"
#include "hub/domain/claim.hpp"
#include "hub/domain/payment.hpp"
#include "hub/storage/row_id.hpp"
#include "wasl/sdk/timestamp.hpp"

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
                           std::int64_t now_ms, const audit::AuditActor& actor) {
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
  by.actor = actor.actor;
  by.session = actor.session;
  if (claim.run_id) by.run_id = *claim.run_id;
  WASL_RETURN_IF_ERROR(claims.record_submission(tx, facility_id, *id, submission, by));
  r.moved = true;
  return r;
}

// The exchange's dates are Saudi civil dates: UTC+03:00, all year round.
constexpr int kExchangeOffsetMinutes = 180;

// The civil date of `ms` where the exchange dates it, "YYYY-MM-DD"; nullopt
// for 0 (no date given).
std::optional<std::string> exchange_date(std::int64_t ms) {
  if (ms == 0) return std::nullopt;
  return sdk::format_iso8601_date(ms, kExchangeOffsetMinutes);
}

// The payment of reconciliation `p`, its lines paying `claim_ids` (one per
// detail, in order), recorded from billing message `billing_message_id`.
Result<domain::Payment> payment_of(const sdk::PaymentReconciliation& p,
                                   const std::vector<std::string>& claim_ids,
                                   const std::string& facility_id,
                                   const std::string& billing_message_id, std::int64_t now_ms) {
  domain::Payment out;
  WASL_ASSIGN_OR_RETURN(out.id, storage::new_row_id());
  out.facility_id = facility_id;
  out.billing_message_id = billing_message_id;
  out.reconciliation_system = p.reconciliation_system;
  if (!p.reconciliation_id.empty()) out.reconciliation_id = p.reconciliation_id;
  if (!p.payment_id.empty()) out.payment_identifier = p.payment_id;
  // A reconciliation without its payment date is dated the day it came.
  out.payment_date = sdk::format_iso8601_date(p.payment_date_ms != 0 ? p.payment_date_ms : now_ms,
                                              kExchangeOffsetMinutes);
  out.amount = domain::to_minor_units(p.payment_amount);
  out.currency = p.currency;
  out.period_start = exchange_date(p.period_start_ms);
  out.period_end = exchange_date(p.period_end_ms);
  out.received_at = now_ms;
  for (std::size_t i = 0; i < p.details.size(); ++i) {
    const sdk::PaymentDetail& d = p.details[i];
    domain::PaymentLine line;
    line.claim_id = claim_ids[i];
    line.type = d.type.empty() ? "payment" : d.type;
    line.amount = domain::to_minor_units(d.amount);
    line.early_fee = domain::to_minor_units(d.early_fee);
    line.nphies_fee = domain::to_minor_units(d.nphies_fee);
    line.date = exchange_date(d.date_ms);
    out.lines.push_back(std::move(line));
  }
  return out;
}

// A payment reconciliation: recorded when every detail names a claim of the
// facility the payer approved (else unmatched, replayable once it is): the
// payment and its lines are stored and each claim it pays moves to paid or
// partially_paid (ClaimStore::record_payment). One the facility already
// holds (the same reconciliation system and id) is recorded and changes
// nothing.
Result<Route> route_payment(const ClaimPollDeps& deps, storage::Transaction& tx,
                            const std::string& facility_id, const sdk::PolledMessage& m,
                            const std::string& billing_message_id, std::int64_t now_ms,
                            const audit::AuditActor& actor) {
  const sdk::PaymentReconciliation& p = m.payment;
  if (p.details.empty()) return unmatched("it pays no claim");
  ClaimStore claims(*deps.cipher, *deps.audit);
  PaymentStore payments;
  std::vector<std::string> claim_ids;  // one per detail
  std::vector<std::string> paid;       // each claim once, in the order named
  for (const sdk::PaymentDetail& detail : p.details) {
    WASL_ASSIGN_OR_RETURN(std::optional<std::string> id,
                          claims.find_by_request_key(tx, facility_id, detail.claim_request_id));
    if (!id) return unmatched("it pays a claim the facility does not hold");
    claim_ids.push_back(*id);
    if (std::find(paid.begin(), paid.end(), *id) == paid.end()) paid.push_back(*id);
  }
  Route r;
  r.claim_id = paid.front();
  if (!p.reconciliation_id.empty()) {
    WASL_ASSIGN_OR_RETURN(std::optional<std::string> held,
                          payments.find_by_reconciliation(tx, facility_id, p.reconciliation_system,
                                                          p.reconciliation_id));
    if (held) {
      r.problem = "the reconciliation is recorded already, as payment " + *held;
      return r;
    }
  }
  for (const std::string& id : paid) {
    WASL_ASSIGN_OR_RETURN(domain::Claim claim, claims.get(tx, facility_id, id));
    const std::string state(domain::to_string(claim.state));
    if (!domain::is_payable(claim.state)) {
      return unmatched("it pays claim " + id + ", which is " + state + ", not approved");
    }
    if (claim.amounts && !claim.amounts->currency.empty() &&
        claim.amounts->currency != p.currency) {
      return unmatched("it pays claim " + id + " in " + p.currency + ", approved in " +
                       claim.amounts->currency);
    }
  }
  WASL_ASSIGN_OR_RETURN(domain::Payment payment,
                        payment_of(p, claim_ids, facility_id, billing_message_id, now_ms));
  WASL_RETURN_IF_ERROR(payments.insert(tx, payment));
  ClaimActor by;
  by.actor = actor.actor;
  by.session = actor.session;
  for (const std::string& id : paid) {
    ClaimPayment c;
    c.payment_id = payment.id;
    c.currency = payment.currency;
    c.at_ms = now_ms;
    for (const domain::PaymentLine& line : payment.lines) {
      if (line.claim_id != id) continue;
      c.paid += line.amount;
      c.early_fee += line.early_fee;
      c.nphies_fee += line.nphies_fee;
    }
    WASL_ASSIGN_OR_RETURN(c.paid_total, payments.paid_total(tx, facility_id, id));
    WASL_RETURN_IF_ERROR(claims.record_payment(tx, facility_id, id, c, by));
  }
  return r;
}

// An information request about a claim of the facility: kept open for the
// operators (InformationRequestStore) against its billing message.
Result<Route> route_information_request(const ClaimPollDeps& deps, storage::Transaction& tx,
                                        const std::string& facility_id, const sdk::PolledMessage& m,
                                        const std::string& billing_message_id, std::int64_t now_ms,
                                        const audit::AuditActor& actor) {
  const sdk::InformationRequest& asked = m.information_request;
  if (asked.request_id.empty()) return unmatched("it carries no request identifier");
  ClaimStore claims(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(std::optional<std::string> id,
                        claims.find_by_request_key(tx, facility_id, asked.claim_request_id));
  if (!id) return unmatched("it is about no claim of the facility");
  InformationRequestRow row;
  WASL_ASSIGN_OR_RETURN(row.id, storage::new_row_id());
  row.facility_id = facility_id;
  row.claim_id = *id;
  row.billing_message_id = billing_message_id;
  row.request_id = asked.request_id;
  if (!asked.request_system.empty()) row.request_system = asked.request_system;
  if (!asked.reason.empty()) row.reason = asked.reason;
  if (asked.due_ms > 0) row.due_at = asked.due_ms;
  row.received_at = now_ms;
  row.request =
      nlohmann::json(asked).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  InformationRequestStore requests(*deps.cipher, *deps.audit);
  // A request delivered again is already held: nothing more to keep.
  WASL_ASSIGN_OR_RETURN(bool kept, requests.insert(tx, row, actor));
  if (kept && deps.start_event_runs) {
    WASL_ASSIGN_OR_RETURN(domain::Claim claim, claims.get(tx, facility_id, *id));
    nlohmann::json documents = nlohmann::json::array();
    for (const sdk::RequestedDocument& d : asked.documents) {
      documents.push_back({{"content_type", d.content_type}, {"title", d.title}});
    }
    const nlohmann::json trigger{{"information_request_id", row.id},
                                 {"claim_id", *id},
                                 {"consultation_id", claim.consultation_id},
                                 {"reason", asked.reason},
                                 {"due_ms", asked.due_ms},
                                 {"questions", asked.questions},
                                 {"documents", std::move(documents)}};
    WASL_RETURN_IF_ERROR(deps.start_event_runs(tx, facility_id, kInformationRequestEvent, trigger));
  }
  Route r;
  r.claim_id = id;
  return r;
}

// An advanced authorization: stored against the patient and the coverage it
// names (AdvancedAuthorizationStore), recorded; one the facility holds
// already (the payer's identifier of it) is recorded and changes nothing.
// Without a preAuthRef nothing can use it: unreadable.
Result<Route> route_advanced_authorization(const ClaimPollDeps& deps, storage::Transaction& tx,
                                           const std::string& facility_id,
                                           const sdk::PolledMessage& m,
                                           const std::string& billing_message_id,
                                           std::int64_t now_ms, const audit::AuditActor& actor) {
  const sdk::AdvancedAuthorization& granted = m.advanced_authorization;
  if (granted.pre_auth_ref.empty()) {
    Route r;
    r.state = BillingMessageState::kUnreadable;
    r.problem = "the advanced authorization has no preAuthRef";
    return r;
  }
  AdvancedAuthorizationRow row;
  WASL_ASSIGN_OR_RETURN(row.id, storage::new_row_id());
  row.facility_id = facility_id;
  row.billing_message_id = billing_message_id;
  row.response_system = granted.response_system;
  row.response_id = granted.response_id.empty() ? granted.pre_auth_ref : granted.response_id;
  row.pre_auth_ref = granted.pre_auth_ref;
  row.period_start = exchange_date(granted.period_start_ms);
  row.period_end = exchange_date(granted.period_end_ms);
  row.patient_identifiers = granted.patient_identifiers;
  row.member_id = granted.member_id;
  row.received_at = now_ms;
  AdvancedAuthorizationStore authorizations(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(bool kept, authorizations.insert(tx, row, actor));
  (void)kept;  // false: the same authorization came in another message, and is held
  return Route{};
}

// Decides the message's row (billing_message_id, new or replayed) and
// applies what it changes, in `tx`.
Result<Route> route(const ClaimPollDeps& deps, storage::Transaction& tx,
                    const std::string& facility_id, const sdk::PolledMessage& m,
                    const std::string& billing_message_id, std::int64_t now_ms,
                    const audit::AuditActor& actor) {
  ClaimStore claims(*deps.cipher, *deps.audit);
  if (m.event == "claim-response" || m.event == "priorauth-response") {
    return route_answer(deps, tx, facility_id, m, now_ms, actor);
  }
  if (m.event == "communication-request") {
    return route_information_request(deps, tx, facility_id, m, billing_message_id, now_ms, actor);
  }
  if (m.event == "payment-reconciliation") {
    return route_payment(deps, tx, facility_id, m, billing_message_id, now_ms, actor);
  }
  if (m.event == "advanced-authorization") {
    return route_advanced_authorization(deps, tx, facility_id, m, billing_message_id, now_ms,
                                        actor);
  }
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
                                          const audit::AuditActor& actor) {
  RoutedMessage out;
  if (message.message_id.empty()) {
    // Nothing to acknowledge it by, nor to know it again by.
    spdlog::warn("billing.poll for facility {}: a {} message without an id was set aside",
                 facility_id, message.event);
    return out;
  }
  BillingMessage row;
  WASL_ASSIGN_OR_RETURN(row.id, storage::new_row_id());
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(Route r, route(deps, *tx, facility_id, message, row.id, now_ms, actor));
  if (r.hold) {
    tx->rollback();
    return out;
  }
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
                                              std::int64_t now_ms, const audit::AuditActor& actor) {
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
  WASL_ASSIGN_OR_RETURN(Route r, route(deps, *tx, facility_id, message, id, now_ms, actor));
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
