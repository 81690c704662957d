#include "hub/audit/chain_status.hpp"

#include <utility>

namespace wasl::audit {

ChainStatus::ChainStatus(const AuditVerifier& verifier, storage::Store& store,
                         std::function<std::int64_t()> clock, std::chrono::milliseconds max_age)
    : verifier_(verifier), store_(store), clock_(std::move(clock)), max_age_(max_age) {}

sdk::Result<ChainStatusReport> ChainStatus::current() {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_();
  if (last_ && max_age_.count() > 0 && now - last_->verified_at_ms < max_age_.count() &&
      now >= last_->verified_at_ms) {
    return *last_;
  }
  WASL_ASSIGN_OR_RETURN(VerifyReport report, verifier_.verify(store_));
  last_ = ChainStatusReport{std::move(report), now};
  return *last_;
}

}  // namespace wasl::audit
