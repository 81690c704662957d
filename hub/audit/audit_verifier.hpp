// AuditVerifier: re-walks the audit hash chain and its signed checkpoints and
// names the first event that does not hold up. Used by `wasl audit verify`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/crypto/secret_bytes.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::audit {

struct VerifyReport {
  bool ok = true;
  std::int64_t events_checked = 0;
  std::int64_t checkpoints_checked = 0;
  std::optional<std::int64_t> first_bad_seq;  // the first event found missing or altered
  std::string reason;                         // one sentence; empty when ok
};

// Immutable after construction; verify() may run on several threads at once.
class AuditVerifier {
 public:
  // `audit_key`: the key that signed the checkpoints (copied, wiped on destruction).
  // `batch_size`: events read per query; memory use is bounded by it.
  explicit AuditVerifier(std::string_view audit_key, int batch_size = 1000);

  // Walks events 1..N in seq order (N = the newest event when the walk
  // starts; events appended meanwhile are left for the next run) and checks:
  //   * seq has no gap (a deleted event) and starts at 1;
  //   * each hash equals SHA-256(prev_hash ‖ canonical form) (an edited event);
  //   * each prev_hash equals the previous event's hash (deletion, insertion,
  //     reordering);
  //   * every checkpoint's MAC verifies under the audit key and names an event
  //     that exists with that hash (events rewritten or deleted up to it);
  //   * audit_head does not point past the newest event (a deleted tail), and
  //     carries a valid signature (head_signature.hpp; a deleted tail with
  //     the head moved back to match). An empty chain's head may be unsigned.
  // Tampering yields ok = false with first_bad_seq and reason; the Result is an
  // error only when the store cannot be read.
  sdk::Result<VerifyReport> verify(storage::Store& store) const;

 private:
  crypto::SecretBytes key_;
  int batch_size_;
};

}  // namespace wasl::audit
