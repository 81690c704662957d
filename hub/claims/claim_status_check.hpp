// Claims in doubt: a claim whose submission went out but whose answer never
// arrived (ClaimResponse status "unknown", state in_doubt) is resolved with
// the exchange, never assumed queued.
//
// check_in_doubt_claims makes one round for one facility: for each of its
// in_doubt claims (oldest first, at most kMaxStatusChecks), a
// billing.check_status naming the idempotency key the claim was submitted
// with (the request_id of the "unknown" answer recorded on it), as the
// facility's provider licence to the claim's payer. Then:
//   queued      the exchange holds it, not yet adjudicated: the claim moves to
//               queued and billing.poll fetches its answer as for any queued
//               claim (a claim that does not name the message it went out
//               with, one of a batch whose answer the hub never recorded, is
//               resent as below instead, so that it does);
//   complete    the exchange holds it and adjudicated it, or
//   not_held    the exchange has no such claim: the claim's stored request is
//               resent with the same idempotency key (so the same Bundle id,
//               MessageHeader id and Claim identifier: a duplicate is
//               answered from the exchange's store, never a second claim),
//               and its answer is recorded as a submission's
//               (claim_submission_of); an "unknown" answer again or a
//               retryable error leaves it in_doubt; a permanent error moves
//               it to error. Not while a cancellation of the claim is
//               sending (claim_cancellation.hpp): it stays in_doubt, and the
//               cancellation's answer settles it;
//   any error   of the check itself (its answer lost too): it stays in_doubt
//               and is asked about again next round.
// Every move is written with its claim.submit_result audit event in one
// transaction, and only when the claim is still in_doubt then (another hub
// or a polled answer may have moved it meanwhile). A claim with no request
// or no recorded idempotency key cannot be asked about: it is counted as
// skipped and left in_doubt (the age alert names it).
//
// unanswered_claims answers the facility's claims in_doubt or queued since
// longer than its billing max_unanswered_age: sent (submitted_at, else
// created_at) at or before now_ms - max_unanswered_age.
//
// Errors: kNotFound when the facility has no billing binding; the billing
// lookup's error; storage errors (the round stops there; what was recorded
// stays recorded).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hub/audit/audit_event.hpp"
#include "hub/claims/claim_poll.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/domain/claim.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

struct ClaimStatusCheckResult {
  int checked = 0;   // status-checks the exchange answered
  int queued = 0;    // claims moved to queued
  int resent = 0;    // claims resent whose answer moved them (adjudicated, error, …)
  int in_doubt = 0;  // claims still in_doubt after this round
  int skipped = 0;   // claims that cannot be asked about (no request or key)
};

// At most this many in_doubt claims are asked about per facility and round.
inline constexpr std::size_t kMaxStatusChecks = 100;

sdk::Result<ClaimStatusCheckResult> check_in_doubt_claims(
    const ClaimPollDeps& deps, const std::string& facility_id, std::int64_t now_ms,
    const audit::AuditActor& actor = "system");

// Records `submission` (an answer to the claim's resend, claim_submission_of)
// on the facility's claim in a transaction of its own, audited
// claim.submit_result, when the claim is still in_doubt; true when recorded,
// false when it moved meanwhile (another hub, a polled answer).
sdk::Result<bool> record_if_in_doubt(const ClaimPollDeps& deps, const std::string& facility_id,
                                     const domain::Claim& claim, const ClaimSubmission& submission,
                                     const audit::AuditActor& actor);

sdk::Result<std::vector<domain::Claim>> unanswered_claims(const ClaimPollDeps& deps,
                                                          const std::string& facility_id,
                                                          std::int64_t now_ms);

}  // namespace wasl::claims
