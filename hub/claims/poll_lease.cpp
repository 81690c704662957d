#include "hub/claims/poll_lease.hpp"

namespace wasl::claims {

sdk::Result<bool> PollLease::take(const std::string& facility_id, const std::string& holder,
                                  std::int64_t now_ms, std::int64_t until_ms, bool due_or_not) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx->exec("INSERT INTO billing_poll_leases (facility_id, holder, expires_at, next_at) "
               "VALUES ($1, $2, $3, 0) ON CONFLICT (facility_id) DO UPDATE SET "
               "holder = excluded.holder, expires_at = excluded.expires_at "
               "WHERE billing_poll_leases.expires_at <= $4 AND "
               "(billing_poll_leases.next_at <= $4 OR $5 = 1)",
               {facility_id, holder, until_ms, now_ms, std::int64_t{due_or_not ? 1 : 0}}));
  WASL_RETURN_IF_ERROR(tx->commit());
  return changed > 0;
}

sdk::Result<bool> PollLease::finish(const std::string& facility_id, const std::string& holder,
                                    std::int64_t now_ms, std::optional<std::int64_t> next_at_ms) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      next_at_ms ? tx->exec("UPDATE billing_poll_leases SET expires_at = $1, next_at = $2 "
                            "WHERE facility_id = $3 AND holder = $4",
                            {now_ms, *next_at_ms, facility_id, holder})
                 : tx->exec("UPDATE billing_poll_leases SET expires_at = $1 "
                            "WHERE facility_id = $2 AND holder = $3",
                            {now_ms, facility_id, holder}));
  WASL_RETURN_IF_ERROR(tx->commit());
  return changed > 0;
}

sdk::Result<bool> PollLease::renew(const std::string& facility_id, const std::string& holder,
                                   std::int64_t until_ms) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(std::int64_t changed,
                        tx->exec("UPDATE billing_poll_leases SET expires_at = $1 "
                                 "WHERE facility_id = $2 AND holder = $3",
                                 {until_ms, facility_id, holder}));
  WASL_RETURN_IF_ERROR(tx->commit());
  return changed > 0;
}

}  // namespace wasl::claims
