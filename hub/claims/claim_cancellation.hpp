// Cancelling and nullifying a claim at the exchange (billing.cancel): what an
// operator asks for through POST /v1/claims/{id}/cancel and /nullify.
//
// A cancellation withdraws a claim the payer has not adjudicated (submitted,
// queued, in_doubt); a nullification reverses one it adjudicated (approved,
// partial, rejected; never one paid). cancel_claim records it on the claim
// first, in one transaction with its audit event (claim.cancel or
// claim.nullify: ClaimStore::begin_cancellation), with an idempotency key
// derived from the claim, the kind and the attempt (never random). Then,
// outside any transaction, it sends it as the facility's provider licence to
// the claim's payer, naming the claim by the key it was sent with
// (claim_as_sent.hpp). The exchange's answer is recorded with its audit
// event (claim.cancel_result / claim.nullify_result): taken, the claim is
// cancelled (nullified); refused, it stays as it was and the exchange's
// codes are kept. A lost answer (a retryable error) leaves the cancellation
// sending: asking again sends the same message (same key; the reason given
// then is not used), and the exchange answers it from its store.
//
// Errors: kNotFound (another facility's claim, like a missing one);
// kInvalidArgument for a reason not in kCancelReasons; kFailedPrecondition
// naming the claim's state when it may not be cancelled or nullified, when a
// cancellation of the other kind is on its way, or when the claim was never
// answered by the exchange (nothing to name it by); kNotFound or
// kFailedPrecondition when the facility has no billing binding or settings;
// the plugin's errors: a retryable one unchanged (the cancellation stays
// sending), a permanent one recorded as the refusal and returned; storage
// errors.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_event.hpp"
#include "hub/claims/claim_poll.hpp"
#include "hub/domain/claim.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

// NPHIES task-reason-code values a cancellation or nullification gives: WI
// wrong information, NP service not performed, TAS transaction already
// submitted, SU.
inline constexpr std::array<std::string_view, 4> kCancelReasons = {"WI", "NP", "TAS", "SU"};

bool is_cancel_reason(std::string_view reason);

enum class CancelKind { kCancel, kNullify };

// "cancel" or "nullify".
std::string_view to_string(CancelKind kind);

struct CancellationResult {
  domain::Claim claim;  // as recorded after the answer (without its documents)
  bool taken = false;   // the exchange took it: the claim is cancelled or nullified
  // When refused: the exchange's error codes (e.g. "TK-0003"), and its text.
  std::vector<std::string> errors;
  std::string disposition;
};

sdk::Result<CancellationResult> cancel_claim(const ClaimPollDeps& deps,
                                             const std::string& facility_id, const std::string& id,
                                             CancelKind kind, const std::string& reason,
                                             std::int64_t now_ms, const audit::AuditActor& actor);

}  // namespace wasl::claims
