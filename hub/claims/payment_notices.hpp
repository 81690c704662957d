// Payment notices: the payer is told each payment reconciliation the hub
// recorded was taken (billing.send_payment_notice, NPHIES payment-notice).
//
// send_payment_notices makes one pass for one facility, inside its billing
// round: for each of its payments whose notice is pending (oldest first, at
// most kMaxNoticesPerRound), a PaymentNotice naming the reconciliation and
// its amount, as the facility's provider licence to its payer, with the
// idempotency key "wasl-pn-<payment id>": the payment row, committed before
// the notice goes out, claims it, and a resend is the same message. Taken:
// the notice is sent; refused for good: refused, the refusal kept (no PHI)
// and a billing.payment_notice alert raised; not answered: it stays pending
// for the next round. A plugin without the method (kUnimplemented) ends the
// pass with every notice left pending. Each settlement writes a
// payment.notice audit event in its transaction. Answers the notices sent.
//
// Errors: kNotFound when the facility has no billing binding; the billing
// lookup's error; storage errors.
#pragma once

#include <cstdint>
#include <string>

#include "hub/claims/claim_poll.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

inline constexpr std::size_t kMaxNoticesPerRound = 20;

sdk::Result<int> send_payment_notices(const ClaimPollDeps& deps, const std::string& facility_id,
                                      std::int64_t now_ms);

}  // namespace wasl::claims
