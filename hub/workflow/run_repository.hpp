// RunRepository: the SQL of workflow runs and their step attempts
// (workflow_runs, workflow_steps), and how their *_enc payload cells are
// encoded. Every method works inside a transaction the caller owns and
// commits; nothing here decides what a run does next (transitions.hpp does).
//
// Thread-safety: stateless apart from its borrowed collaborators; any thread
// may call it. The DefinitionStore and CellCipher must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/jobs/job_queue.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/run_state.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// A workflow_steps row just inserted.
struct AttemptRow {
  std::string id;
  int attempt = 0;
};

// A run's facility and status, read with its row locked.
struct LockedRun {
  std::string facility_id;
  std::string status;
};

// A run waiting for an event, found for that event.
struct WaitingRun {
  std::string run_id;
  std::string step_id;
};

// What a wait waits for: an event of `type` with `correlation`, in `facility_id`.
struct WaitKey {
  std::string facility_id;
  std::string type;
  std::string correlation;
};

// A run named with its facility, for a change that names both.
struct FacilityRun {
  std::string facility_id;
  std::string run_id;
};

// A step attempt's settlement, its cells ready to write
// (RunRepository::settled_attempt, finish_attempts).
struct SettledAttempt {
  std::string row_id;
  std::string status;
  std::int64_t finished_at = 0;
  storage::Value output_enc;
  storage::Value error_code;
  storage::Value error_message;
};

// A run's final status, ready to write (RunRepository::ended_run, set_ended_all).
struct EndedRun {
  FacilityRun run;
  std::string status;
  storage::Value error;
  std::int64_t finished_at = 0;
};

class RunRepository {
 public:
  // `cipher` null: payload cells hold plain JSON text (see Engine).
  RunRepository(storage::Dialect dialect, DefinitionStore& definitions,
                const records::CellCipher* cipher);

  // ---- payload cells ----
  // `value` as the bytes of `table`.`column` of row `row`.
  sdk::Result<storage::Blob> encode(const nlohmann::json& value, const std::string& table,
                                    const std::string& row, const std::string& column) const;
  // The JSON of cell `cell` of `row` (of `table`, row id `row_id`); null
  // JSON for a NULL cell. kInternal when the bytes do not decode.
  sdk::Result<nlohmann::json> decode(const storage::Row& row, const std::string& cell,
                                     const std::string& table, const std::string& row_id) const;

  // ---- runs ----
  // The run with its definition, trigger, settled step outputs and the
  // consultation's current fields; `lock` locks its row (PostgreSQL).
  // kNotFound for an unknown run.
  sdk::Result<RunState> load(storage::Transaction& tx, const std::string& run_id, bool lock);
  // load() for several runs in three statements (runs, steps, and each
  // run's consultation), in the order of `run_ids`, which must be distinct;
  // rows are locked in id order. kNotFound when one of them is unknown.
  sdk::Result<std::vector<RunState>> load_all(storage::Transaction& tx,
                                              const std::vector<std::string>& run_ids, bool lock);
  // The consultation fields a workflow sees as ${consultation.…} (no PHI):
  // {facility_id} alone when the run has no consultation.
  sdk::Result<nlohmann::json> load_consultation(storage::Transaction& tx, const RunState& run);
  // Inserts `run` (status running) with its encoded trigger. The store's
  // error as it is (kFailedPrecondition when the facility or consultation
  // does not exist).
  sdk::Status insert(storage::Transaction& tx, const RunState& run,
                     const storage::Blob& trigger_enc, std::int64_t now);
  // The status of the run whose job `held` still holds, locking both
  // (PostgreSQL); nullopt when the lease was lost.
  sdk::Result<std::optional<std::string>> held_status(storage::Transaction& tx,
                                                      const jobs::HeldJob& held);
  // The run's facility and status, its row locked (PostgreSQL); nullopt for
  // an unknown run.
  sdk::Result<std::optional<LockedRun>> lock_status(storage::Transaction& tx,
                                                    const std::string& run_id);
  // The most recent run of a consultation of `facility_id`; nullopt when it has none.
  sdk::Result<std::optional<std::string>> find_consultation_run(storage::Transaction& tx,
                                                                std::string_view facility_id,
                                                                std::string_view consultation_id);
  // The deployed workflow version a run executes; kNotFound for an unknown run.
  sdk::Result<std::int64_t> workflow_version(storage::Transaction& tx, std::string_view run_id);
  // The role bindings the most recent run of a consultation kept from its
  // start; empty when it has no run or the run kept none.
  sdk::Result<RoleBindings> consultation_run_bindings(storage::Transaction& tx,
                                                      std::string_view facility_id,
                                                      std::string_view consultation_id);
  // The step the run failed at; empty when none is recorded.
  sdk::Result<std::string> failed_step(storage::Transaction& tx, const RunState& run);

  // ---- run status changes ----
  // Each changes the row of run.id in run.facility_id (both in the statement).
  // Those that set the status also write what a resume would (no event
  // awaited) and clear run.resume_unwritten; set_failed_step and
  // set_stopped_at leave both to the status change that follows them.
  // A running run awaits no event: its wait columns are cleared.
  sdk::Status set_running_at(storage::Transaction& tx, RunState& run, const std::string& step_id,
                             std::int64_t now);
  sdk::Status set_waiting(storage::Transaction& tx, RunState& run, const std::string& step_id,
                          const std::string& event, const std::string& correlation,
                          std::int64_t now);
  // A wait timed out: running again, no event awaited.
  sdk::Status set_wait_over(storage::Transaction& tx, RunState& run, std::int64_t now);
  // `status` is compensating or cancelling; `compensation` becomes the current step.
  sdk::Status set_compensating(storage::Transaction& tx, RunState& run, const std::string& status,
                               const std::string& compensation, const std::string& error,
                               std::int64_t now);
  sdk::Status set_failed_step(storage::Transaction& tx, const RunState& run,
                              const std::string& step_id);
  // failed_step and current_step both become `step_id`.
  sdk::Status set_stopped_at(storage::Transaction& tx, const RunState& run,
                             const std::string& step_id);
  // A final status (succeeded, failed, cancelled) with its error, if any.
  sdk::Status set_ended(storage::Transaction& tx, RunState& run, const std::string& status,
                        const std::string& error, std::int64_t now);
  // The same for several runs, in one statement; `ended_run` prepares one
  // (the caller writes it in the same transaction, before the run is read
  // again).
  static EndedRun ended_run(RunState& run, const std::string& status, const std::string& error,
                            std::int64_t now);
  sdk::Status set_ended_all(storage::Transaction& tx, const std::vector<EndedRun>& runs);
  sdk::Status set_cancelling(storage::Transaction& tx, const std::string& facility_id,
                             const std::string& run_id, std::int64_t now);
  // A failed run running again: error, finish time and failed step cleared.
  sdk::Status set_retrying(storage::Transaction& tx, const RunState& run, std::int64_t now);
  // For each key, in one statement: the oldest run of its facility waiting
  // for it, or nullopt.
  sdk::Result<std::vector<std::optional<WaitingRun>>> find_waiting(
      storage::Transaction& tx, const std::vector<WaitKey>& keys);
  // Running again because their events arrived, in one statement: the ids
  // of those of `runs` that were still waiting (a run id paired with another
  // facility is not changed).
  sdk::Result<std::set<std::string>> resume_waiting(storage::Transaction& tx,
                                                    const std::vector<FacilityRun>& runs,
                                                    std::int64_t now);

  // ---- step attempts ----
  // A new attempt of `step_id` (numbered after the run's last one, which
  // `run` then records); `finished` sets its finish time to `now` too.
  sdk::Result<AttemptRow> insert_attempt(storage::Transaction& tx, RunState& run,
                                         const std::string& step_id, const std::string& status,
                                         const std::string& key, std::int64_t now, bool finished);
  // Settles an attempt with its output or error (either may be null).
  sdk::Status finish_attempt(storage::Transaction& tx, const std::string& row_id,
                             const std::string& status, std::int64_t now,
                             const nlohmann::json* output, const sdk::Error* error);
  // The same for several attempts, in one statement; `settled_attempt`
  // prepares one (its output encoded).
  sdk::Result<SettledAttempt> settled_attempt(const std::string& row_id, const std::string& status,
                                              std::int64_t now, const nlohmann::json* output,
                                              const sdk::Error* error) const;
  sdk::Status finish_attempts(storage::Transaction& tx,
                              const std::vector<SettledAttempt>& attempts);
  // Marks the run's running attempts lost: their worker's lease lapsed.
  sdk::Status mark_running_lost(storage::Transaction& tx, const std::string& run_id,
                                std::int64_t now);
  // Deletes an attempt recorded as started but never called.
  sdk::Status remove_uncalled(storage::Transaction& tx, const std::string& row_id);

  // ---- metrics ----
  // Runs by status (all workflows and facilities together: the metric is
  // unauthenticated and workflow names are a facility's own), read in a
  // transaction of its own; empty on error.
  static std::vector<std::pair<observability::Labels, double>> count_by_status(
      storage::Store& store);

 private:
  storage::Dialect dialect_;
  DefinitionStore& definitions_;
  const records::CellCipher* cipher_;
};

}  // namespace wasl::workflow
