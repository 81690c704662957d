#include "hub/claims/claim_batches.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/domain/claim.hpp"
#include "hub/storage/row_id.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

using domain::ClaimState;
using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// A batched claim and the request it goes out as.
struct Batched {
  std::string id;
  sdk::Claim request;
};

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string payer_of(const sdk::Claim& c) {
  return c.payer_license.empty() ? c.coverage.payer_id : c.payer_license;
}

// The facility's batched claims, oldest first, at most `limit`, with their
// requests; one whose request cannot be read is logged and left out.
Result<std::vector<Batched>> batched_claims(const ClaimPollDeps& deps,
                                            const std::string& facility_id, std::size_t limit) {
  ClaimStore claims(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadOnly));
  ClaimQuery q;
  q.state = ClaimState::kBatched;
  q.limit = limit;
  WASL_ASSIGN_OR_RETURN(std::vector<domain::Claim> listed, claims.list(*tx, facility_id, q));
  std::vector<Batched> out;
  out.reserve(listed.size());
  for (const domain::Claim& c : listed) {
    WASL_ASSIGN_OR_RETURN(domain::Claim full, claims.get(*tx, facility_id, c.id));
    Batched b;
    b.id = c.id;
    try {
      b.request = json::parse(full.request.value_or("null")).get<sdk::Claim>();
    } catch (const json::exception&) {
      spdlog::warn("batched claim {} of facility {} has no readable request; it stays batched",
                   c.id, facility_id);
      continue;
    }
    if (b.request.idempotency_key.empty()) b.request.idempotency_key = c.id;
    out.push_back(std::move(b));
  }
  tx->rollback();
  return out;
}

// The batches `claims` make: by payer, in order of each payer's oldest
// claim, at most sdk::kMaxBatchClaims each.
std::vector<std::vector<Batched>> cut(std::vector<Batched> claims) {
  std::vector<std::string> payers;
  std::map<std::string, std::vector<Batched>> by_payer;
  for (Batched& b : claims) {
    const std::string payer = payer_of(b.request);
    auto [it, added] = by_payer.try_emplace(payer);
    if (added) payers.push_back(payer);
    it->second.push_back(std::move(b));
  }
  std::vector<std::vector<Batched>> out;
  for (const std::string& payer : payers) {
    std::vector<Batched>& all = by_payer[payer];
    for (std::size_t from = 0; from < all.size(); from += sdk::kMaxBatchClaims) {
      const std::size_t to = std::min(all.size(), from + sdk::kMaxBatchClaims);
      out.emplace_back(std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(from)),
                       std::make_move_iterator(all.begin() + static_cast<std::ptrdiff_t>(to)));
    }
  }
  return out;
}

// Step 1: the claims still batched take the batch's id and move to
// in_doubt; answers those that did.
Result<std::vector<Batched>> claim_for_batch(const ClaimPollDeps& deps,
                                             const std::string& facility_id,
                                             const std::string& batch_id,
                                             std::vector<Batched> claims, const ClaimActor& by,
                                             std::int64_t now_ms) {
  ClaimStore store(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  std::vector<Batched> taken;
  for (Batched& b : claims) {
    sdk::ClaimResponse unknown;
    unknown.request_id = b.request.idempotency_key;
    unknown.status = "unknown";
    unknown.outcome = "unknown";
    unknown.disposition = "sent in batch " + batch_id + "; its answer is not known yet";
    ClaimBatchEntry entry;
    entry.batch_id = batch_id;
    entry.request_key = b.request.idempotency_key;
    entry.response = dump(json(unknown));
    entry.at_ms = now_ms;
    WASL_ASSIGN_OR_RETURN(bool began, store.begin_batch(*tx, facility_id, b.id, entry, by));
    if (began) taken.push_back(std::move(b));
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return taken;
}

// Step 3: records each claim's submission, when it is still in_doubt in
// batch `batch_id`; answers how many were recorded.
Result<int> record(const ClaimPollDeps& deps, const std::string& facility_id,
                   const std::string& batch_id,
                   const std::vector<std::pair<std::string, ClaimSubmission>>& submissions,
                   const ClaimActor& by) {
  ClaimStore store(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  int recorded = 0;
  for (const auto& [id, submission] : submissions) {
    WASL_ASSIGN_OR_RETURN(domain::Claim now, store.get(*tx, facility_id, id));
    if (now.state != ClaimState::kInDoubt || now.batch_id != batch_id) continue;
    WASL_RETURN_IF_ERROR(store.record_submission(*tx, facility_id, id, submission, by));
    ++recorded;
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return recorded;
}

// A retryable failure: the claims go back to the next batch.
Result<int> retry_later(const ClaimPollDeps& deps, const std::string& facility_id,
                        const std::string& batch_id, const std::vector<Batched>& claims,
                        const std::string& why, const ClaimActor& by, std::int64_t now_ms) {
  ClaimStore store(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  int returned = 0;
  for (const Batched& b : claims) {
    WASL_ASSIGN_OR_RETURN(bool back,
                          store.return_to_batch(*tx, facility_id, b.id, batch_id, why, by, now_ms));
    returned += back ? 1 : 0;
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return returned;
}

// kUnimplemented: each claim goes out alone, its answer recorded as a
// submission's (an "unknown" answer, or a retryable error, leaves it
// in_doubt for the status-check).
Result<int> send_alone(const ClaimPollDeps& deps, const std::string& facility_id,
                       const std::string& batch_id, sdk::BillingGateway& billing,
                       const std::vector<Batched>& claims, const ClaimActor& by,
                       std::int64_t now_ms) {
  std::vector<std::pair<std::string, ClaimSubmission>> submissions;
  for (const Batched& b : claims) {
    if (deps.keep_alive) deps.keep_alive();
    auto answer = billing.submit_claim(b.request);
    if (!answer.ok() && answer.error().retryable) continue;
    submissions.emplace_back(b.id, claim_submission_of(answer.ok() ? Result<json>(json(*answer))
                                                                   : Result<json>(answer.error()),
                                                       now_ms));
  }
  return record(deps, facility_id, batch_id, submissions, by);
}

}  // namespace

Result<ClaimBatchResult> send_claim_batches(const ClaimPollDeps& deps,
                                            const std::string& facility_id, std::int64_t now_ms,
                                            const audit::AuditActor& actor) {
  auto facility = deps.config->facilities.find(facility_id);
  if (facility == deps.config->facilities.end() || !facility->second.billing ||
      facility->second.bindings.count("billing") == 0) {
    return Error(ErrorCode::kNotFound,
                 "billing.submit_batch: facility " + facility_id + " has no billing binding",
                 false);
  }
  const std::string& provider_license = facility->second.billing->provider_license;
  WASL_ASSIGN_OR_RETURN(
      std::vector<Batched> waiting,
      batched_claims(deps, facility_id, sdk::kMaxBatchClaims * kMaxBatchesPerRound));
  ClaimBatchResult out;
  if (waiting.empty()) return out;
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  ClaimActor by;
  by.actor = actor.actor;
  by.session = actor.session;
  for (std::vector<Batched>& claims : cut(std::move(waiting))) {
    WASL_ASSIGN_OR_RETURN(std::string row_id, storage::new_row_id());
    const std::string batch_id = "wasl-batch-" + row_id;
    WASL_ASSIGN_OR_RETURN(
        std::vector<Batched> sent,
        claim_for_batch(deps, facility_id, batch_id, std::move(claims), by, now_ms));
    if (sent.empty()) continue;
    sdk::ClaimBatch batch;
    batch.idempotency_key = batch_id;
    batch.provider_license = provider_license;
    batch.payer_license = payer_of(sent.front().request);
    for (const Batched& b : sent) batch.claims.push_back(b.request);
    if (deps.keep_alive) deps.keep_alive();
    auto ack = billing->submit_batch(batch);
    ++out.batches;
    if (!ack.ok() && ack.error().code == ErrorCode::kUnimplemented) {
      WASL_ASSIGN_OR_RETURN(int recorded,
                            send_alone(deps, facility_id, batch_id, *billing, sent, by, now_ms));
      out.alone += recorded;
      continue;
    }
    if (!ack.ok() && ack.error().retryable) {
      spdlog::warn("batch {} of facility {} ({} claims) not taken, sent again next round: {}",
                   batch_id, facility_id, sent.size(), ack.error().message);
      WASL_ASSIGN_OR_RETURN(int returned, retry_later(deps, facility_id, batch_id, sent,
                                                      ack.error().message, by, now_ms));
      out.retried += returned;
      continue;
    }
    std::map<std::string, sdk::ClaimResponse> answers;  // by the claim's key
    if (ack.ok()) {
      for (const sdk::ClaimResponse& r : ack->claims) answers[r.request_id] = r;
    }
    std::vector<std::pair<std::string, ClaimSubmission>> submissions;
    for (const Batched& b : sent) {
      const std::string& key = b.request.idempotency_key;
      Result<json> result = json();
      if (!ack.ok()) {
        result = ack.error();
      } else if (ack->status == "refused") {
        std::string codes;
        for (const sdk::BillingError& e : ack->error_details) {
          codes +=
              (codes.empty() ? "" : "; ") + e.code + (e.display.empty() ? "" : ": " + e.display);
        }
        result = Error(
            ErrorCode::kInvalidArgument,
            "the exchange refused batch " + batch_id + (codes.empty() ? "" : " (" + codes + ")"),
            false);
      } else {
        sdk::ClaimResponse r;
        if (auto it = answers.find(key); it != answers.end()) r = it->second;
        r.request_id = key;
        r.status = ack->status == "taken" ? "queued" : "unknown";
        r.outcome = r.status;
        result = json(r);
      }
      ClaimSubmission s = claim_submission_of(result, now_ms);
      if (s.state == ClaimState::kQueued) ++out.queued;
      if (s.state == ClaimState::kInDoubt) ++out.in_doubt;
      if (s.state == ClaimState::kError) ++out.failed;
      submissions.emplace_back(b.id, std::move(s));
    }
    if (!ack.ok() || ack->status == "refused") {
      spdlog::warn("batch {} of facility {} ({} claims) refused: {}", batch_id, facility_id,
                   sent.size(), ack.ok() ? ack->disposition : ack.error().message);
    }
    WASL_ASSIGN_OR_RETURN(int recorded, record(deps, facility_id, batch_id, submissions, by));
    (void)recorded;
  }
  return out;
}

void log_batches(const std::string& facility_id, const Result<ClaimBatchResult>& result) {
  if (!result.ok()) {
    spdlog::warn("billing.submit_batch for facility {} failed: {}", facility_id,
                 result.error().message);
  } else if (result->batches > 0) {
    spdlog::info(
        "billing.submit_batch for facility {}: {} batch(es), {} claim(s) queued, {} in doubt, "
        "{} failed, {} for the next round, {} sent alone",
        facility_id, result->batches, result->queued, result->in_doubt, result->failed,
        result->retried, result->alone);
  }
}

}  // namespace wasl::claims
