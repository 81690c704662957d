// Claims sent in batches: a facility whose billing submission is "batch"
// queues each built claim (hub.queue_claim, state batched), and its billing
// round sends them with billing.submit_batch, the claims of one payer
// together, at most sdk::kMaxBatchClaims per batch.
//
// send_claim_batches makes one pass for one facility, inside its billing
// round (ClaimPollJob, under the facility's poll lease): its batched claims,
// oldest first (at most kMaxBatchesPerRound batches' worth), grouped by
// payer in that order and cut into batches. For each batch:
//   1. in one transaction, each claim still batched takes the batch's id
//      and moves to in_doubt, its answer so far status "unknown" naming the
//      key it goes out with (the claim's own idempotency key, as its request
//      was stored), audited claim.batch: claimed before the outside effect,
//      so a crash leaves it to the status-check (claim_status_check.hpp);
//   2. billing.submit_batch outside any transaction, with the batch's own
//      key (new per batch, never reused for other claims);
//   3. in one transaction, each claim still in_doubt in that batch records
//      the answer, audited claim.submit_result:
//        taken     queued, with the request message id it went out with
//                  (its answer arrives through the poll, routed by that id
//                  as for a claim sent alone);
//        unknown   (the answer lost) stays in_doubt, with that request
//                  message id: the status-check settles each claim alone;
//        refused, or a permanent error: error, naming why;
//        a retryable error: the exchange took nothing, the claim goes back
//                  to batched for the next round (audited
//                  claim.batch_result, outcome failure);
//        kUnimplemented (a plugin built before SDK 1.4): each claim is sent
//                  alone with billing.submit_claim and its answer recorded
//                  as a submission's.
// A claim whose stored request cannot be read is left batched and logged.
//
// Errors: kNotFound when the facility has no billing binding; the billing
// lookup's error; storage errors (the pass stops there; what was recorded
// stays recorded).
#pragma once

#include <cstdint>
#include <string>

#include "hub/audit/audit_event.hpp"
#include "hub/claims/claim_poll.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

struct ClaimBatchResult {
  int batches = 0;   // billing.submit_batch calls made
  int queued = 0;    // claims the exchange took
  int in_doubt = 0;  // claims whose batch's answer was lost
  int failed = 0;    // claims moved to error (refused, or a permanent error)
  int retried = 0;   // claims given back to the next batch
  int alone = 0;     // claims sent alone (a plugin without batches)
};

// At most this many batches per facility and round.
inline constexpr int kMaxBatchesPerRound = 5;

sdk::Result<ClaimBatchResult> send_claim_batches(const ClaimPollDeps& deps,
                                                 const std::string& facility_id,
                                                 std::int64_t now_ms,
                                                 const audit::AuditActor& actor = "system");

// Logs how a round's send_claim_batches ended (a warning when it failed;
// nothing when it had nothing to send).
void log_batches(const std::string& facility_id, const sdk::Result<ClaimBatchResult>& result);

}  // namespace wasl::claims
