#include "hub/audit/audit_verifier.hpp"

#include <algorithm>
#include <vector>

#include "hub/audit/chain_hash.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/event_row.hpp"
#include "hub/audit/head_signature.hpp"

namespace wasl::audit {

namespace {

using storage::Rows;

std::string seq_text(std::int64_t seq) { return "event " + std::to_string(seq); }

VerifyReport bad(VerifyReport report, std::optional<std::int64_t> seq, std::string reason) {
  report.ok = false;
  report.first_bad_seq = seq;
  report.reason = std::move(reason);
  return report;
}

sdk::Result<std::int64_t> max_or_zero(const Rows& rows) {
  if (rows.empty() || rows[0].is_null(0)) return std::int64_t{0};
  return rows[0].get_int(0);
}

sdk::Result<Checkpoint> read_checkpoint(const storage::Row& row) {
  Checkpoint c;
  WASL_ASSIGN_OR_RETURN(c.seq, row.get_int(0));
  WASL_ASSIGN_OR_RETURN(c.head_hash, row.get_text(1));
  WASL_ASSIGN_OR_RETURN(c.mac, row.get_text(2));
  WASL_ASSIGN_OR_RETURN(c.created_at, row.get_int(3));
  return c;
}

constexpr std::string_view kCheckpointColumns = "seq, head_hash, mac, created_at";

}  // namespace

AuditVerifier::AuditVerifier(std::string_view audit_key, int batch_size)
    : key_(audit_key), batch_size_(std::max(1, batch_size)) {}

sdk::Result<VerifyReport> AuditVerifier::verify(storage::Store& store) const {
  VerifyReport report;

  // Bounds, read in this order so that every checkpoint and head counted
  // belongs to an event that had committed before the event bound was read.
  std::int64_t checkpoint_bound = 0;
  std::int64_t event_bound = 0;
  std::optional<std::int64_t> head_seq;
  std::string head_hash;
  std::optional<std::string> head_signature;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(Rows cp, tx->query("SELECT MAX(seq) FROM audit_checkpoints"));
    WASL_ASSIGN_OR_RETURN(checkpoint_bound, max_or_zero(cp));
    WASL_ASSIGN_OR_RETURN(Rows head,
                          tx->query("SELECT seq, hash, mac FROM audit_head WHERE id = 1"));
    if (!head.empty()) {
      WASL_ASSIGN_OR_RETURN(std::int64_t s, head[0].get_int(0));
      WASL_ASSIGN_OR_RETURN(head_hash, head[0].get_text(1));
      if (!head[0].is_null(2)) {
        WASL_ASSIGN_OR_RETURN(std::string mac, head[0].get_text(2));
        head_signature = std::move(mac);
      }
      head_seq = s;
    }
    WASL_ASSIGN_OR_RETURN(Rows ev, tx->query("SELECT MAX(seq) FROM audit_events"));
    WASL_ASSIGN_OR_RETURN(event_bound, max_or_zero(ev));
    tx->rollback();
  }
  if (!head_seq) {
    return bad(report, std::nullopt,
               "the audit_head row is missing: the table was altered outside Wasl");
  }

  std::int64_t expected = 1;
  std::string prev_hash = kGenesisHash;
  std::string select_events = "SELECT ";
  select_events += kEventColumns;
  select_events += " FROM audit_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3";
  std::string select_checkpoints = "SELECT ";
  select_checkpoints += kCheckpointColumns;
  select_checkpoints += " FROM audit_checkpoints WHERE seq > $1 AND seq <= $2 ORDER BY seq";

  std::int64_t after = 0;
  while (after < event_bound) {
    Rows event_rows;
    Rows checkpoint_rows;
    {
      WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
      WASL_ASSIGN_OR_RETURN(
          event_rows,
          tx->query(select_events, {after, event_bound, static_cast<std::int64_t>(batch_size_)}));
      // Checkpoints up to the last event of this batch (or to the bound when
      // the batch is empty, so orphaned ones are seen below).
      std::int64_t upto = event_bound;
      if (!event_rows.empty()) {
        WASL_ASSIGN_OR_RETURN(upto, event_rows.back().get_int(0));
      }
      WASL_ASSIGN_OR_RETURN(checkpoint_rows, tx->query(select_checkpoints, {after, upto}));
      tx->rollback();
    }
    if (event_rows.empty()) break;

    std::size_t ci = 0;
    std::vector<Checkpoint> checkpoints;
    checkpoints.reserve(checkpoint_rows.size());
    for (const auto& row : checkpoint_rows) {
      WASL_ASSIGN_OR_RETURN(Checkpoint c, read_checkpoint(row));
      checkpoints.push_back(std::move(c));
    }

    for (const auto& row : event_rows) {
      WASL_ASSIGN_OR_RETURN(StoredAuditEvent stored, read_event_row(row));
      // Checkpoints naming a seq that the walk skipped (a gap) are reported
      // by the gap check on this event.
      if (stored.seq != expected) {
        return bad(report, expected,
                   seq_text(expected) + " is missing (the next stored event is " +
                       std::to_string(stored.seq) + "): events were deleted");
      }
      auto recomputed = chain_hash(stored.prev_hash, stored.seq, stored.event);
      if (!recomputed.ok() || *recomputed != stored.hash) {
        return bad(report, stored.seq,
                   seq_text(stored.seq) + " does not match its hash: it was edited or moved");
      }
      if (stored.prev_hash != prev_hash) {
        return bad(report, stored.seq,
                   seq_text(stored.seq) +
                       " does not link to the event before it: events were deleted, inserted "
                       "or reordered");
      }
      while (ci < checkpoints.size() && checkpoints[ci].seq <= stored.seq) {
        const Checkpoint& c = checkpoints[ci++];
        if (!checkpoint_mac_valid(key_.view(), c)) {
          return bad(report, c.seq,
                     "the checkpoint at " + seq_text(c.seq) +
                         " has an invalid signature: it was forged or the audit key is wrong");
        }
        if (c.seq != stored.seq || c.head_hash != stored.hash) {
          return bad(report, c.seq,
                     "the signed checkpoint at " + seq_text(c.seq) +
                         " does not match the stored chain: events up to it were rewritten");
        }
        ++report.checkpoints_checked;
      }
      if (stored.seq == *head_seq && stored.hash != head_hash) {
        return bad(report, stored.seq,
                   "audit_head does not match " + seq_text(stored.seq) +
                       ": the newest events were rewritten");
      }
      prev_hash = stored.hash;
      ++expected;
      ++report.events_checked;
      after = stored.seq;
    }
  }

  const std::int64_t newest = expected - 1;
  // A checkpoint beyond the newest event: the tail was deleted.
  if (checkpoint_bound > newest) {
    WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
    std::string sql = "SELECT ";
    sql += kCheckpointColumns;
    sql += " FROM audit_checkpoints WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT 1";
    WASL_ASSIGN_OR_RETURN(Rows rows, tx->query(sql, {newest, checkpoint_bound}));
    tx->rollback();
    if (!rows.empty()) {
      WASL_ASSIGN_OR_RETURN(Checkpoint c, read_checkpoint(rows[0]));
      if (!checkpoint_mac_valid(key_.view(), c)) {
        return bad(report, c.seq,
                   "the checkpoint at " + seq_text(c.seq) +
                       " has an invalid signature: it was forged or the audit key is wrong");
      }
      return bad(report, newest + 1,
                 "the signed checkpoint at " + seq_text(c.seq) + " names events after " +
                     std::to_string(newest) +
                     " that no longer exist: the newest events were "
                     "deleted");
    }
  }
  if (*head_seq > newest) {
    return bad(report, newest + 1,
               "audit_head names " + seq_text(*head_seq) + " but the newest stored event is " +
                   std::to_string(newest) + ": the newest events were deleted");
  }
  // The head names the newest event (checked above); its signature says the
  // hub wrote it, so a tail deleted with the head moved back shows here.
  // An empty chain may be unsigned (a new database).
  if (*head_seq > 0 || head_signature) {
    if (!head_signature) {
      return bad(report, *head_seq + 1,
                 "audit_head carries no signature: it was altered outside Wasl (or the hub has "
                 "not started since `wasl migrate`), so the newest events cannot be vouched for");
    }
    auto key = head_key(key_.view());
    if (!key.ok()) return std::move(key).error();
    if (!head_mac_valid(*key, *head_seq, head_hash, *head_signature)) {
      return bad(report, *head_seq + 1,
                 "audit_head's signature does not match " + seq_text(*head_seq) +
                     ": the head was moved outside Wasl, so the events after it were deleted (or "
                     "the audit key is wrong)");
    }
  }
  return report;
}

}  // namespace wasl::audit
