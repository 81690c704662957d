// RunListing: what the API lists of one facility's workflow runs
// (workflow_runs): a page of runs, the failed ones, and how many runs each
// deployed version has by status. Run metadata only (ids, steps, status,
// the redacted error text): no payload is read or decrypted.
//
// Every function reads through the caller's transaction and filters on the
// facility id it is given. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// Which runs list_runs() returns. Creation times are epoch ms: `from_ms`
// inclusive, `to_ms` exclusive.
struct RunFilter {
  std::optional<std::string> status;
  std::optional<std::string> workflow;
  std::optional<std::int64_t> version;
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> to_ms;
  // Continue after the run (created_at, id) the previous page ended with.
  std::optional<std::pair<std::int64_t, std::string>> after;
};

// One run as listed. A text column that is NULL (or cannot be read as
// text) is nullopt.
struct RunSummary {
  std::string id;
  std::optional<std::string> consultation_id;
  std::optional<std::string> workflow_name;
  std::int64_t workflow_version = 0;
  std::optional<std::string> status;
  std::optional<std::string> current_step;
  std::optional<std::string> failed_step;
  std::optional<std::string> error;
  std::int64_t created_at = 0;  // epoch ms
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> finished_at;
};

// A failed run, as the dead letters list it.
struct FailedRun {
  std::optional<std::string> id;
  std::optional<std::string> consultation_id;
  std::optional<std::string> workflow_name;
  std::int64_t workflow_version = 0;
  std::optional<std::string> failed_step;
  std::optional<std::string> error;
  std::int64_t failed_at = 0;  // epoch ms: when it finished, else when it was last updated
};

// (workflow name, version) -> status -> number of the facility's runs.
using RunCounts = std::map<std::pair<std::string, int>, std::map<std::string, std::int64_t>>;

// The facility's runs matching `filter`, newest first (created_at, then id),
// at most `limit`. kInternal ("a workflow_runs row could not be read") when
// a run's id, version or times cannot be read.
sdk::Result<std::vector<RunSummary>> list_runs(storage::Transaction& tx,
                                               const std::string& facility_id,
                                               const RunFilter& filter, int limit);

// The facility's failed runs that failed at or after `since_ms`, of
// `workflow` when given, most recently failed first (then id), at most `limit`.
sdk::Result<std::vector<FailedRun>> list_failed_runs(storage::Transaction& tx,
                                                     const std::string& facility_id,
                                                     std::int64_t since_ms,
                                                     const std::optional<std::string>& workflow,
                                                     int limit);

// How many of the facility's runs ended (succeeded, failed or cancelled) at
// or after `since_ms`, and how many of those failed.
struct EndedRunCounts {
  std::int64_t ended = 0;
  std::int64_t failed = 0;
};
sdk::Result<EndedRunCounts> count_ended_runs(storage::Transaction& tx,
                                             const std::string& facility_id, std::int64_t since_ms);

// How many of the facility's runs each version has, by status.
sdk::Result<RunCounts> count_runs(storage::Transaction& tx, const std::string& facility_id);

}  // namespace wasl::workflow
