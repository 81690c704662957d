// RunRetention: what working-data retention (hub/retention) may do to a
// facility's finished runs, in the caller's transaction. A finished run is
// one that succeeded or was cancelled; a failed run waits for its operator
// and is never touched. Its data (the trigger, each step's output and the
// bodies of the events it received) goes first; the run itself, with its
// steps, events and notes, later. Unmatched events (no run took them) go on
// the inbox's rhythm. Every call is facility-scoped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct FinishedRun {
  std::string id;
  std::optional<std::string> consultation_id;
  std::int64_t finished_at = 0;
};

// Where a walk through finished runs stands: the last run returned, in
// (finished_at, id) order.
struct FinishedRunCursor {
  std::int64_t finished_at = 0;
  std::string id;
};

enum class RunData { kKept, kAny };

class RunRetention {
 public:
  // The facility's finished runs that finished before `cutoff_ms`, after
  // `after` in (finished_at, id) order, at most `limit`; with `data`
  // kKept only those whose data has not been cleared yet.
  static sdk::Result<std::vector<FinishedRun>> finished_before(storage::Transaction& tx,
                                                               std::string_view facility_id,
                                                               std::int64_t cutoff_ms,
                                                               const FinishedRunCursor& after,
                                                               int limit, RunData data);

  // Clears the trigger, the step outputs and the received events' bodies of
  // the facility's finished runs `run_ids`: how many runs were cleared.
  static sdk::Result<std::int64_t> clear_data(storage::Transaction& tx,
                                              std::string_view facility_id,
                                              const std::vector<std::string>& run_ids);

  // Deletes the facility's finished runs `run_ids` with their steps, events
  // and notes: how many runs.
  static sdk::Result<std::int64_t> remove(storage::Transaction& tx, std::string_view facility_id,
                                          const std::vector<std::string>& run_ids);

  // Deletes at most `limit` of the facility's events that no run took,
  // received before `cutoff_ms`, oldest first: how many.
  static sdk::Result<std::int64_t> purge_unmatched_events(storage::Transaction& tx,
                                                          std::string_view facility_id,
                                                          std::int64_t cutoff_ms, int limit);
};

}  // namespace wasl::workflow
