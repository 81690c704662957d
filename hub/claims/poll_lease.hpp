// The billing round's lease: one hub at a time serves a facility's billing
// round (status-checks of its claims in doubt, then billing.poll), and the
// hubs on one database share when its next round is due, so two hubs never
// poll one facility at once nor each at its own interval. The
// billing_poll_leases table, one row per facility.
//
// take() starts a round for `holder`, running until at most `until_ms`,
// when no round runs (the last one finished, or its holder died and its
// lease lapsed: expires_at <= now_ms) and the next round is due (next_at <=
// now_ms, or `due_or_not`: a hub's first round after it starts, which asks
// at once about claims a dead hub left in doubt, and the operator's poll);
// false otherwise. finish() ends the holder's round, the next due at
// `next_at_ms` (nullopt: when it was); false when the lease was lost (it
// lapsed and another hub took it). A round holds its lease for a short
// time, renewed while it runs (renew()), so a holder killed mid-round frees
// the facility soon.
//
// A holder is a token unique to one hub process (storage::new_row_id()).
// Nothing depends on the lease for correctness: every claim move is
// conditional on the claim's state in its own transaction; the lease keeps
// the exchange from being asked twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

class PollLease {
 public:
  explicit PollLease(storage::Store& store) : store_(store) {}

  sdk::Result<bool> take(const std::string& facility_id, const std::string& holder,
                         std::int64_t now_ms, std::int64_t until_ms, bool due_or_not);
  sdk::Result<bool> finish(const std::string& facility_id, const std::string& holder,
                           std::int64_t now_ms, std::optional<std::int64_t> next_at_ms);
  // Moves the holder's running round's end to `until_ms`; false when the
  // lease was lost.
  sdk::Result<bool> renew(const std::string& facility_id, const std::string& holder,
                          std::int64_t until_ms);

 private:
  storage::Store& store_;
};

}  // namespace wasl::claims
