#include "hub/workflow/run_repository.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "hub/records/consultation_store.hpp"
#include "hub/records/stored_text.hpp"
#include "hub/storage/bind.hpp"
#include "hub/storage/row_id.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Blob;
using storage::Dialect;
using storage::Params;
using storage::Transaction;
using namespace run_status;

namespace {

storage::Value text_or_null(const std::string& text) {
  return text.empty() ? storage::null_value() : storage::Value(text);
}

Error unknown_run(const std::string& run_id) {
  return Error(ErrorCode::kNotFound, "workflow run " + run_id + " does not exist", false);
}

}  // namespace

RunRepository::RunRepository(storage::Dialect dialect, DefinitionStore& definitions,
                             const records::CellCipher* cipher)
    : dialect_(dialect), definitions_(definitions), cipher_(cipher) {}

Result<Blob> RunRepository::encode(const json& value, const std::string& table,
                                   const std::string& row, const std::string& column) const {
  std::string text;
  try {
    text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const std::exception&) {
    return Error(ErrorCode::kInternal, "a workflow payload could not be written as JSON");
  }
  if (cipher_ == nullptr) return Blob{std::move(text)};
  WASL_ASSIGN_OR_RETURN(auto bytes, cipher_->encrypt(table, column, row, text));
  return Blob{std::move(bytes)};
}

Result<json> RunRepository::decode(const storage::Row& row, const std::string& cell,
                                   const std::string& table, const std::string& row_id) const {
  if (row.is_null(cell)) return json();
  WASL_ASSIGN_OR_RETURN(auto bytes, row.get_blob(cell));
  if (cipher_ == nullptr) {
    if (bytes.empty()) return json();
    auto parsed = json::parse(bytes, nullptr, false);
    if (parsed.is_discarded()) {
      return Error(ErrorCode::kInternal, "the stored payload in " + table + "." + cell +
                                             " of row " + row_id + " is not JSON");
    }
    return parsed;
  }
  WASL_ASSIGN_OR_RETURN(std::string text, cipher_->decrypt(table, cell, row_id, bytes));
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Error(
        ErrorCode::kInternal,
        table + "." + cell + " of row " + row_id + " decrypted to something that is not JSON",
        false);
  }
  return value;
}

Result<RunState> RunRepository::load(Transaction& tx, const std::string& run_id, bool lock) {
  WASL_ASSIGN_OR_RETURN(auto runs, load_all(tx, {run_id}, lock));
  return std::move(runs.front());
}

Result<std::vector<RunState>> RunRepository::load_all(Transaction& tx,
                                                      const std::vector<std::string>& run_ids,
                                                      bool lock) {
  std::vector<RunState> out;
  if (run_ids.empty()) return out;
  Params params;
  std::string sql =
      "SELECT id, facility_id, consultation_id, workflow_name, workflow_version, status, "
      "trigger_enc, bindings FROM workflow_runs WHERE ";
  sql += storage::in_list(params, dialect_, "id", {run_ids.begin(), run_ids.end()}, "TEXT");
  sql += " ORDER BY id";
  if (lock && dialect_ == Dialect::kPostgres) sql += " FOR UPDATE";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, params));
  std::unordered_map<std::string, RunState> found;
  for (const auto& row : rows) {
    RunState run;
    WASL_ASSIGN_OR_RETURN(run.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(run.facility_id, row.get_text("facility_id"));
    if (!row.is_null("consultation_id")) {
      WASL_ASSIGN_OR_RETURN(run.consultation_id, row.get_text("consultation_id"));
    }
    WASL_ASSIGN_OR_RETURN(run.workflow, row.get_text("workflow_name"));
    WASL_ASSIGN_OR_RETURN(auto version, row.get_int("workflow_version"));
    run.version = static_cast<int>(version);
    WASL_ASSIGN_OR_RETURN(run.status, row.get_text("status"));
    WASL_ASSIGN_OR_RETURN(run.bindings, run_bindings_of(row, "bindings", run.id));
    WASL_ASSIGN_OR_RETURN(run.definition, definitions_.get(run.workflow, run.version, &tx));
    WASL_ASSIGN_OR_RETURN(auto trigger, decode(row, "trigger_enc", "workflow_runs", run.id));
    run.data = {{"trigger", trigger.is_null() ? json::object() : trigger},
                {"steps", json::object()}};
    std::string id = run.id;
    found.emplace(std::move(id), std::move(run));
  }

  Params step_params;
  WASL_ASSIGN_OR_RETURN(
      auto steps,
      tx.query("SELECT run_id, id, step_id, attempt, status, output_enc FROM workflow_steps "
               "WHERE " +
                   storage::in_list(step_params, dialect_, "run_id",
                                    {run_ids.begin(), run_ids.end()}, "TEXT") +
                   " ORDER BY run_id, attempt",
               step_params));
  for (const auto& step : steps) {
    WASL_ASSIGN_OR_RETURN(auto owner, step.get_text("run_id"));
    auto it = found.find(owner);
    if (it == found.end()) continue;
    RunState& run = it->second;
    WASL_ASSIGN_OR_RETURN(auto row_id, step.get_text("id"));
    WASL_ASSIGN_OR_RETURN(auto step_id, step.get_text("step_id"));
    WASL_ASSIGN_OR_RETURN(auto attempt, step.get_int("attempt"));
    WASL_ASSIGN_OR_RETURN(auto status, step.get_text("status"));
    run.last_attempt[step_id] = std::max(run.last_attempt[step_id], static_cast<int>(attempt));
    if (status == kSucceeded) {
      WASL_ASSIGN_OR_RETURN(auto output, decode(step, "output_enc", "workflow_steps", row_id));
      run.data["steps"][step_id] = {{"status", kSucceeded}, {"output", output}};
    } else if (status == "skipped" || status == kFailed) {
      run.data["steps"][step_id] = {{"status", status}};
    }
  }

  out.reserve(run_ids.size());
  for (const auto& run_id : run_ids) {
    auto it = found.find(run_id);
    if (it == found.end()) return unknown_run(run_id);
    RunState& run = it->second;
    WASL_ASSIGN_OR_RETURN(run.data["consultation"], load_consultation(tx, run));
    out.push_back(std::move(run));
  }
  return out;
}

Result<json> RunRepository::load_consultation(Transaction& tx, const RunState& run) {
  json out = {{"facility_id", run.facility_id}};
  if (run.consultation_id.empty()) return out;
  WASL_ASSIGN_OR_RETURN(
      auto found, records::ConsultationStore::facts(tx, run.facility_id, run.consultation_id));
  if (!found) return out;
  const records::ConsultationFacts& c = *found;
  out["id"] = c.id;
  out["facility_id"] = c.facility_id;
  out["status"] = c.status;
  out["type"] = c.type;
  if (c.appointment_ref) out["appointment_ref"] = *c.appointment_ref;
  if (c.video_instance) out["video_instance"] = *c.video_instance;
  if (c.video_room_id) out["video_room_id"] = *c.video_room_id;
  // 0 when the consultation has no start: as an appointment without one.
  out["scheduled_at_ms"] = c.scheduled_at.value_or(0);
  if (c.created_at) out["created_at_ms"] = *c.created_at;
  return out;
}

Status RunRepository::insert(Transaction& tx, const RunState& run, const Blob& trigger_enc,
                             std::int64_t now) {
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO workflow_runs (id, facility_id, consultation_id, workflow_name, "
              "workflow_version, status, trigger_enc, bindings, created_at, updated_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
              Params{run.id, run.facility_id, text_or_null(run.consultation_id), run.workflow,
                     std::int64_t{run.version}, std::string(kRunning), trigger_enc,
                     run_bindings_text(run.bindings), now}));
  return {};
}

Result<std::optional<std::string>> RunRepository::held_status(Transaction& tx,
                                                              const jobs::HeldJob& held) {
  WASL_ASSIGN_OR_RETURN(auto run_id, jobs::JobQueue::lock_held(tx, held));
  if (!run_id) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(auto run, lock_status(tx, *run_id));
  if (!run) return std::optional<std::string>();
  return std::optional<std::string>(std::move(run->status));
}

Result<std::optional<LockedRun>> RunRepository::lock_status(Transaction& tx,
                                                            const std::string& run_id) {
  std::string sql = "SELECT facility_id, status FROM workflow_runs WHERE id = $1";
  if (dialect_ == Dialect::kPostgres) sql += " FOR UPDATE";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, Params{run_id}));
  if (rows.empty()) return std::optional<LockedRun>();
  LockedRun locked;
  WASL_ASSIGN_OR_RETURN(locked.facility_id, rows[0].get_text(0));
  WASL_ASSIGN_OR_RETURN(locked.status, rows[0].get_text(1));
  return std::optional<LockedRun>(std::move(locked));
}

Result<std::optional<std::string>> RunRepository::find_consultation_run(
    Transaction& tx, std::string_view facility_id, std::string_view consultation_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id FROM workflow_runs WHERE consultation_id = $1 AND facility_id = $2 "
               "ORDER BY created_at DESC, id DESC LIMIT 1",
               {std::string(consultation_id), std::string(facility_id)}));
  if (rows.empty()) return std::optional<std::string>{};
  WASL_ASSIGN_OR_RETURN(std::string id, rows.front().get_text(0));
  return std::optional<std::string>{std::move(id)};
}

Result<std::int64_t> RunRepository::workflow_version(Transaction& tx, std::string_view run_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT workflow_version FROM workflow_runs WHERE id = $1", {std::string(run_id)}));
  if (rows.empty()) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "the workflow run just started is not visible");
  }
  return rows.front().get_int(0);
}

Result<RoleBindings> RunRepository::consultation_run_bindings(Transaction& tx,
                                                              std::string_view facility_id,
                                                              std::string_view consultation_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, bindings FROM workflow_runs WHERE consultation_id = $1 AND "
               "facility_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
               {std::string(consultation_id), std::string(facility_id)}));
  if (rows.empty()) return RoleBindings{};
  WASL_ASSIGN_OR_RETURN(std::string run_id, rows.front().get_text("id"));
  return run_bindings_of(rows.front(), "bindings", run_id);
}

Result<std::string> RunRepository::failed_step(Transaction& tx, const RunState& run) {
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT failed_step FROM workflow_runs "
                                            "WHERE id = $1 AND facility_id = $2",
                                            Params{run.id, run.facility_id}));
  if (rows.empty() || rows[0].is_null(0)) return std::string();
  return rows[0].get_text(0);
}

Status RunRepository::set_running_at(Transaction& tx, RunState& run, const std::string& step_id,
                                     std::int64_t now) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE workflow_runs SET status = $1, current_step = $2, updated_at = $3, "
              "wait_event = NULL, wait_correlation = NULL WHERE id = $4 AND facility_id = $5",
              Params{std::string(kRunning), step_id, now, run.id, run.facility_id}));
  run.resume_unwritten = false;
  return {};
}

Status RunRepository::set_waiting(Transaction& tx, RunState& run, const std::string& step_id,
                                  const std::string& event, const std::string& correlation,
                                  std::int64_t now) {
  WASL_RETURN_IF_ERROR(tx.exec(
      "UPDATE workflow_runs SET status = $1, current_step = $2, wait_event = $3, "
      "wait_correlation = $4, updated_at = $5 WHERE id = $6 AND facility_id = $7",
      Params{std::string(kWaiting), step_id, event, correlation, now, run.id, run.facility_id}));
  run.resume_unwritten = false;
  return {};
}

Status RunRepository::set_wait_over(Transaction& tx, RunState& run, std::int64_t now) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE workflow_runs SET status = $1, wait_event = NULL, wait_correlation = NULL, "
              "updated_at = $2 WHERE id = $3 AND facility_id = $4",
              Params{std::string(kRunning), now, run.id, run.facility_id}));
  run.resume_unwritten = false;
  return {};
}

Status RunRepository::set_compensating(Transaction& tx, RunState& run, const std::string& status,
                                       const std::string& compensation, const std::string& error,
                                       std::int64_t now) {
  WASL_RETURN_IF_ERROR(tx.exec(
      "UPDATE workflow_runs SET status = $1, current_step = $2, error = $3, updated_at = $4, "
      "wait_event = NULL, wait_correlation = NULL WHERE id = $5 AND facility_id = $6",
      Params{status, compensation, text_or_null(records::redact_stored_text(error)), now, run.id,
             run.facility_id}));
  run.resume_unwritten = false;
  return {};
}

Status RunRepository::set_failed_step(Transaction& tx, const RunState& run,
                                      const std::string& step_id) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE workflow_runs SET failed_step = $1 WHERE id = $2 AND facility_id = $3",
              Params{step_id, run.id, run.facility_id}));
  return {};
}

Status RunRepository::set_stopped_at(Transaction& tx, const RunState& run,
                                     const std::string& step_id) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE workflow_runs SET failed_step = $1, current_step = $1 WHERE id = $2 AND "
              "facility_id = $3",
              Params{step_id, run.id, run.facility_id}));
  return {};
}

Status RunRepository::set_ended(Transaction& tx, RunState& run, const std::string& status,
                                const std::string& error, std::int64_t now) {
  WASL_RETURN_IF_ERROR(tx.exec(
      "UPDATE workflow_runs SET status = $1, error = $2, finished_at = $3, updated_at = $3, "
      "wait_event = NULL, wait_correlation = NULL WHERE id = $4 AND facility_id = $5",
      Params{status, text_or_null(records::redact_stored_text(error)), now, run.id,
             run.facility_id}));
  run.resume_unwritten = false;
  return {};
}

EndedRun RunRepository::ended_run(RunState& run, const std::string& status,
                                  const std::string& error, std::int64_t now) {
  run.resume_unwritten = false;  // set_ended_all writes what the resume would
  return EndedRun{FacilityRun{run.facility_id, run.id}, status,
                  text_or_null(records::redact_stored_text(error)), now};
}

Status RunRepository::set_ended_all(Transaction& tx, const std::vector<EndedRun>& runs) {
  if (runs.empty()) return {};
  // The ends as a table joined by id and facility (see storage::with_values).
  Params params;
  std::string sql =
      storage::with_values(params, dialect_, "ended",
                           {{"id", "TEXT"},
                            {"facility_id", "TEXT"},
                            {"status", "TEXT"},
                            {"error", "TEXT"},
                            {"finished_at", "BIGINT"}},
                           runs, [](const EndedRun& r) {
                             return std::vector<storage::Value>{r.run.run_id, r.run.facility_id,
                                                                r.status, r.error, r.finished_at};
                           });
  sql +=
      "UPDATE workflow_runs SET status = ended.status, error = ended.error, "
      "finished_at = ended.finished_at, updated_at = ended.finished_at, wait_event = NULL, "
      "wait_correlation = NULL FROM ended WHERE workflow_runs.id = ended.id AND "
      "workflow_runs.facility_id = ended.facility_id";
  WASL_ASSIGN_OR_RETURN(auto changed, tx.exec(sql, params));
  if (changed != static_cast<std::int64_t>(runs.size())) {
    return Error(ErrorCode::kInternal, "ending " + std::to_string(runs.size()) +
                                           " workflow runs changed " + std::to_string(changed) +
                                           " rows");
  }
  return {};
}

Status RunRepository::set_cancelling(Transaction& tx, const std::string& facility_id,
                                     const std::string& run_id, std::int64_t now) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE workflow_runs SET status = 'cancelling', wait_event = NULL, "
              "wait_correlation = NULL, updated_at = $1 WHERE id = $2 AND facility_id = $3",
              Params{now, run_id, facility_id}));
  return {};
}

Status RunRepository::set_retrying(Transaction& tx, const RunState& run, std::int64_t now) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE workflow_runs SET status = 'running', error = NULL, finished_at = NULL, "
              "failed_step = NULL, updated_at = $1 WHERE id = $2 AND facility_id = $3",
              Params{now, run.id, run.facility_id}));
  return {};
}

Result<std::vector<std::optional<WaitingRun>>> RunRepository::find_waiting(
    Transaction& tx, const std::vector<WaitKey>& keys) {
  std::vector<std::optional<WaitingRun>> out(keys.size());
  if (keys.empty()) return out;
  // Each column as an IN list (an index scan of workflow_runs_waiting);
  // a row matching values of different keys is passed over below. SQLite,
  // weighing the IN lists, would walk all of a facility's waiting runs by
  // workflow_runs_facility_status instead, so it is told the index.
  std::set<std::string> facilities;
  std::set<std::string> types;
  std::set<std::string> correlations;
  for (const auto& key : keys) {
    facilities.insert(key.facility_id);
    types.insert(key.type);
    correlations.insert(key.correlation);
  }
  // Built a piece at a time: the operands of one + chain are evaluated in
  // no set order, and the placeholders must be numbered in the order they
  // appear (see the SQLite store).
  Params params;
  std::string sql = std::string(
                        "SELECT id, current_step, facility_id, wait_event, wait_correlation "
                        "FROM workflow_runs ") +
                    (dialect_ == Dialect::kSqlite ? "INDEXED BY workflow_runs_waiting " : "") +
                    "WHERE status = 'waiting' AND ";
  sql += storage::in_list(params, dialect_, "wait_event", {types.begin(), types.end()}, "TEXT");
  sql += " AND ";
  sql += storage::in_list(params, dialect_, "wait_correlation",
                          {correlations.begin(), correlations.end()}, "TEXT");
  sql += " AND ";
  sql += storage::in_list(params, dialect_, "facility_id", {facilities.begin(), facilities.end()},
                          "TEXT");
  sql += " ORDER BY created_at, id";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, params));
  std::map<std::tuple<std::string, std::string, std::string>, WaitingRun> oldest;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(auto facility_id, row.get_text("facility_id"));
    WASL_ASSIGN_OR_RETURN(auto type, row.get_text("wait_event"));
    WASL_ASSIGN_OR_RETURN(auto correlation, row.get_text("wait_correlation"));
    auto key = std::make_tuple(std::move(facility_id), std::move(type), std::move(correlation));
    if (oldest.count(key) != 0) continue;
    WaitingRun run;
    WASL_ASSIGN_OR_RETURN(run.run_id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(run.step_id, row.get_text("current_step"));
    oldest.emplace(std::move(key), std::move(run));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto it = oldest.find(std::tie(keys[i].facility_id, keys[i].type, keys[i].correlation));
    if (it != oldest.end()) out[i] = it->second;
  }
  return out;
}

Result<std::set<std::string>> RunRepository::resume_waiting(Transaction& tx,
                                                            const std::vector<FacilityRun>& runs,
                                                            std::int64_t now) {
  std::set<std::string> resumed;
  if (runs.empty()) return resumed;
  // The runs as a table joined by id and facility (see storage::with_values).
  Params params;
  std::string sql =
      storage::with_values(params, dialect_, "resumed", {{"id", "TEXT"}, {"facility_id", "TEXT"}},
                           runs, [](const FacilityRun& r) {
                             return std::vector<storage::Value>{r.run_id, r.facility_id};
                           });
  sql +=
      "UPDATE workflow_runs SET status = 'running', wait_event = NULL, wait_correlation = NULL, "
      "updated_at = ";
  sql += storage::bind(params, now);
  sql +=
      " FROM resumed WHERE workflow_runs.id = resumed.id AND "
      "workflow_runs.facility_id = resumed.facility_id AND workflow_runs.status = 'waiting' "
      "RETURNING workflow_runs.id AS id";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, params));
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(auto id, row.get_text("id"));
    resumed.insert(std::move(id));
  }
  return resumed;
}

Result<AttemptRow> RunRepository::insert_attempt(Transaction& tx, RunState& run,
                                                 const std::string& step_id,
                                                 const std::string& status, const std::string& key,
                                                 std::int64_t now, bool finished) {
  WASL_ASSIGN_OR_RETURN(std::string id, storage::new_row_id());
  AttemptRow row{std::move(id), run.last_attempt[step_id] + 1};
  run.last_attempt[step_id] = row.attempt;
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO workflow_steps (id, run_id, step_id, attempt, status, idempotency_key, "
              "started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
              Params{row.id, run.id, step_id, std::int64_t{row.attempt}, status, text_or_null(key),
                     now, finished ? storage::Value(now) : storage::null_value()}));
  return row;
}

Result<SettledAttempt> RunRepository::settled_attempt(const std::string& row_id,
                                                      const std::string& status, std::int64_t now,
                                                      const json* output,
                                                      const Error* error) const {
  SettledAttempt a{
      row_id, status, now, storage::null_value(), storage::null_value(), storage::null_value()};
  if (output != nullptr) {
    WASL_ASSIGN_OR_RETURN(a.output_enc, encode(*output, "workflow_steps", row_id, "output_enc"));
  }
  if (error != nullptr) {
    a.error_code = std::string(sdk::to_string(error->code));
    a.error_message = records::redact_stored_text(error->message);
  }
  return a;
}

Status RunRepository::finish_attempt(Transaction& tx, const std::string& row_id,
                                     const std::string& status, std::int64_t now,
                                     const json* output, const Error* error) {
  WASL_ASSIGN_OR_RETURN(auto a, settled_attempt(row_id, status, now, output, error));
  WASL_RETURN_IF_ERROR(tx.exec(
      "UPDATE workflow_steps SET status = $1, finished_at = $2, output_enc = $3, "
      "error_code = $4, error_message = $5 WHERE id = $6",
      Params{a.status, a.finished_at, a.output_enc, a.error_code, a.error_message, a.row_id}));
  return {};
}

Status RunRepository::finish_attempts(Transaction& tx,
                                      const std::vector<SettledAttempt>& attempts) {
  if (attempts.empty()) return {};
  // The settlements as a table joined by id (see storage::with_values).
  Params params;
  std::string sql = storage::with_values(params, dialect_, "settled",
                                         {{"id", "TEXT"},
                                          {"status", "TEXT"},
                                          {"finished_at", "BIGINT"},
                                          {"output_enc", "BYTEA"},
                                          {"error_code", "TEXT"},
                                          {"error_message", "TEXT"}},
                                         attempts, [](const SettledAttempt& a) {
                                           return std::vector<storage::Value>{
                                               a.row_id,     a.status,     a.finished_at,
                                               a.output_enc, a.error_code, a.error_message};
                                         });
  sql +=
      "UPDATE workflow_steps SET status = settled.status, finished_at = settled.finished_at, "
      "output_enc = settled.output_enc, error_code = settled.error_code, "
      "error_message = settled.error_message FROM settled WHERE workflow_steps.id = settled.id";
  WASL_ASSIGN_OR_RETURN(auto changed, tx.exec(sql, params));
  if (changed != static_cast<std::int64_t>(attempts.size())) {
    return Error(ErrorCode::kInternal, "settling " + std::to_string(attempts.size()) +
                                           " step attempts changed " + std::to_string(changed) +
                                           " rows");
  }
  return {};
}

Status RunRepository::mark_running_lost(Transaction& tx, const std::string& run_id,
                                        std::int64_t now) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE workflow_steps SET status = 'lost', finished_at = $1, "
              "error_code = 'lease_expired', error_message = $2 "
              "WHERE run_id = $3 AND status = 'running'",
              Params{now,
                     std::string("the worker running this attempt lost its lease (it stopped or "
                                 "stalled); the step was taken over"),
                     run_id}));
  return {};
}

Status RunRepository::remove_uncalled(Transaction& tx, const std::string& row_id) {
  WASL_RETURN_IF_ERROR(
      tx.exec("DELETE FROM workflow_steps WHERE id = $1 AND status = 'running'", Params{row_id}));
  return {};
}

std::vector<std::pair<observability::Labels, double>> RunRepository::count_by_status(
    storage::Store& store) {
  std::vector<std::pair<observability::Labels, double>> out;
  auto tx = store.begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return out;
  auto rows = (*tx)->query("SELECT status, COUNT(*) FROM workflow_runs GROUP BY status");
  if (!rows.ok()) return out;
  for (const auto& row : *rows) {
    auto status = row.get_text(0);
    auto count = row.get_int(1);
    if (status.ok() && count.ok()) {
      out.push_back({{{"status", *status}}, static_cast<double>(*count)});
    }
  }
  return out;
}

}  // namespace wasl::workflow
