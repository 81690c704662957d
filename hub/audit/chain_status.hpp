// ChainStatus: the audit chain's verification status for the API, re-walked
// at most once per `max_age` however many callers ask. The chain is one for
// the whole deployment (every facility's events are links of it), so the
// status is platform-wide: it names event sequence numbers and counts, never
// an event's content.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "hub/audit/audit_verifier.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::audit {

struct ChainStatusReport {
  VerifyReport report;
  std::int64_t verified_at_ms = 0;  // epoch ms UTC when the walk started
};

// Thread-safe: one walk runs at a time; callers arriving during a walk wait
// for it and share its report. Borrows `verifier` and `store`, which must
// outlive it.
class ChainStatus {
 public:
  // `clock`: epoch ms UTC. `max_age`: how long a report is served before the
  // chain is walked again (zero: every call walks).
  ChainStatus(const AuditVerifier& verifier, storage::Store& store,
              std::function<std::int64_t()> clock, std::chrono::milliseconds max_age);

  // The newest report no older than max_age, walking the chain if there is
  // none. An error only when the store cannot be read (nothing is cached
  // then).
  sdk::Result<ChainStatusReport> current();

 private:
  const AuditVerifier& verifier_;
  storage::Store& store_;
  std::function<std::int64_t()> clock_;
  std::chrono::milliseconds max_age_;
  std::mutex mutex_;  // held for the whole walk
  std::optional<ChainStatusReport> last_;
};

}  // namespace wasl::audit
