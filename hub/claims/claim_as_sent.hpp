// The claim as the exchange knows it: what a cancellation, a resubmission or
// an answer to an information request must name it by.
#pragma once

#include "hub/domain/claim.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

// `claim`'s stored request (the sdk Claim it was sent as; `claim` read with
// its documents, ClaimStore::get) with the idempotency key it was sent with:
// the request_id its last recorded answer names (an "unknown" answer names
// it too). kFailedPrecondition when it has no request, or no answer naming
// its key (never sent, or its submission failed before the exchange saw it).
// Pure; never throws.
sdk::Result<sdk::Claim> claim_as_sent(const domain::Claim& claim);

}  // namespace wasl::claims
