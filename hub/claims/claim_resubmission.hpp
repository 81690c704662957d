// Resubmitting a claim the payer rejected: what an operator asks for through
// POST /v1/claims/{id}/resubmit.
//
// resubmit_claim builds the new claim from the rejected one as the exchange
// knows it (its stored request, decrypted, claim_as_sent.hpp): a claim of its
// own of the same consultation, its id resubmission_id(rejected id, n) (n:
// how many resubmissions of it there were, plus one; never random), its
// idempotency key resubmission_key(new id), related to the rejected claim's
// key (Claim.related_request_id, relationship "prior"), the items and
// diagnoses replaced when the input gives them. It stores it in one
// transaction, audited claim.resubmit, in state in_doubt (sent, its answer
// not known: a crash before the answer is recorded leaves it to the billing
// round's status-check and resend, claim_status_check.hpp), the rejected
// claim pointing at it (replaced_by); the rejected claim keeps its state.
// Then it submits it (billing.submit_claim, or
// billing.request_prior_authorization for an authorization) and records the
// answer exactly as the billing round records a resend's
// (claim_submission_of, record_if_in_doubt): an answer moves it, an
// "unknown" answer or a retryable error leaves it in_doubt for the round, a
// permanent error moves it to error (and the rejected claim may then be
// resubmitted again).
//
// Errors: kNotFound (another facility's claim, like a missing one);
// kFailedPrecondition naming the state when the claim is not rejected, when
// it is resubmitted already (by a claim not in error), or when the exchange
// never answered it; kAlreadyExists when a concurrent request stored the
// same resubmission first; the billing lookup's errors (nothing stored);
// storage errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_event.hpp"
#include "hub/claims/claim_poll.hpp"
#include "hub/domain/claim.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

// What the payer rejected, corrected; empty members keep the rejected
// claim's.
struct ResubmissionInput {
  std::vector<sdk::ClaimItem> items;
  std::vector<std::string> diagnosis_codes;  // ICD-10-AM; the first principal
};

// The id of the `n`th resubmission of claim `claim_id` (n >= 1): the
// name-based UUID of both. Deterministic.
std::string resubmission_id(std::string_view claim_id, int n);

// The idempotency key resubmission `id` is sent with: "wasl-resubmit-<id>".
std::string resubmission_key(std::string_view id);

// The new claim, as recorded after its submission (without its documents).
sdk::Result<domain::Claim> resubmit_claim(const ClaimPollDeps& deps, const std::string& facility_id,
                                          const std::string& id, const ResubmissionInput& input,
                                          std::int64_t now_ms, const audit::AuditActor& actor);

}  // namespace wasl::claims
