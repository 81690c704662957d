#include "hub/workflow/event_matcher.hpp"

#include "hub/workflow/job_queue.hpp"
#include "hub/workflow/row_id.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Params;
using storage::Transaction;

EventMatcher::EventMatcher(storage::Store& store, RunRepository& runs)
    : store_(store), runs_(runs) {}

Result<DeliveredEvent> EventMatcher::deliver_in(Transaction& tx, const IncomingEvent& event,
                                                std::int64_t now) {
  if (event.dedupe_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "an event needs a dedupe key", false);
  }
  WASL_RETURN_IF_ERROR(lock(tx, event.facility_id, event.type, event.correlation));
  DeliveredEvent delivered;
  delivered.event_id = new_row_id();
  WASL_ASSIGN_OR_RETURN(auto payload_enc, runs_.encode(event.payload, "workflow_events",
                                                       delivered.event_id, "payload_enc"));
  // The run waiting for it is found first, so a matched event is inserted
  // matched (the advisory lock keeps other deliveries of this key out).
  WASL_ASSIGN_OR_RETURN(auto waiting,
                        runs_.find_waiting(tx, event.facility_id, event.type, event.correlation));
  storage::Value run_id;  // NULL unless a run waits
  storage::Value step_id;
  storage::Value matched_at;
  if (waiting) {
    run_id = waiting->run_id;
    step_id = waiting->step_id;
    matched_at = now;
  }
  WASL_ASSIGN_OR_RETURN(
      auto inserted,
      tx.exec("INSERT INTO workflow_events (id, facility_id, type, correlation, dedupe_key, "
              "payload_enc, received_at, run_id, step_id, matched_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
              "ON CONFLICT (dedupe_key) DO NOTHING",
              Params{delivered.event_id, event.facility_id, event.type, event.correlation,
                     event.dedupe_key, payload_enc, now, run_id, step_id, matched_at}));
  if (inserted == 0) {
    WASL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT id, run_id FROM workflow_events "
                                              "WHERE dedupe_key = $1",
                                              Params{event.dedupe_key}));
    delivered.duplicate = true;
    if (!rows.empty()) {
      WASL_ASSIGN_OR_RETURN(delivered.event_id, rows[0].get_text("id"));
      if (!rows[0].is_null("run_id")) {
        WASL_ASSIGN_OR_RETURN(delivered.matched_run, rows[0].get_text("run_id"));
      }
    }
    return delivered;
  }
  if (!waiting) return delivered;
  WASL_ASSIGN_OR_RETURN(bool resumed, runs_.resume_waiting(tx, event.facility_id, waiting->run_id, now));
  if (resumed) {
    delivered.matched_run = waiting->run_id;
  } else {
    // The run stopped waiting meanwhile (its timeout, a cancel): the event
    // stays for a later wait.
    WASL_RETURN_IF_ERROR(tx.exec(
        "UPDATE workflow_events SET run_id = NULL, step_id = NULL, matched_at = NULL "
        "WHERE id = $1",
        Params{delivered.event_id}));
  }
  return delivered;
}

Status EventMatcher::lock(Transaction& tx, const std::string& facility_id, const std::string& type,
                          const std::string& correlation) {
  if (store_.dialect() != storage::Dialect::kPostgres) return {};
  WASL_RETURN_IF_ERROR(tx.query("SELECT pg_advisory_xact_lock(hashtext($1))",
                                Params{facility_id + "\x1f" + type + "\x1f" + correlation}));
  return {};
}

Result<std::optional<json>> EventMatcher::take_stored(Transaction& tx, const RunState& run,
                                                      const std::string& step_id,
                                                      const std::string& type,
                                                      const std::string& correlation,
                                                      std::int64_t now) {
  WASL_ASSIGN_OR_RETURN(
      auto rows, tx.query("SELECT id, payload_enc FROM workflow_events WHERE facility_id = $1 AND "
                          "type = $2 AND correlation = $3 AND run_id IS NULL "
                          "ORDER BY received_at, id LIMIT 1",
                          Params{run.facility_id, type, correlation}));
  if (rows.empty()) return std::optional<json>();
  WASL_ASSIGN_OR_RETURN(auto event_id, rows[0].get_text("id"));
  WASL_ASSIGN_OR_RETURN(
      auto changed, tx.exec("UPDATE workflow_events SET run_id = $1, step_id = $2, matched_at = $3 "
                            "WHERE id = $4 AND run_id IS NULL",
                            Params{run.id, step_id, now, event_id}));
  if (changed != 1) return std::optional<json>();
  WASL_ASSIGN_OR_RETURN(auto payload,
                        runs_.decode(rows[0], "payload_enc", "workflow_events", event_id));
  return std::optional<json>(std::move(payload));
}

Result<std::optional<json>> EventMatcher::matched(Transaction& tx, const std::string& run_id,
                                                  const std::string& step_id) {
  WASL_ASSIGN_OR_RETURN(
      auto rows, tx.query("SELECT id, payload_enc FROM workflow_events WHERE run_id = $1 AND "
                          "step_id = $2 ORDER BY matched_at, id LIMIT 1",
                          Params{run_id, step_id}));
  if (rows.empty()) return std::optional<json>();
  WASL_ASSIGN_OR_RETURN(auto event_id, rows[0].get_text("id"));
  WASL_ASSIGN_OR_RETURN(auto payload,
                        runs_.decode(rows[0], "payload_enc", "workflow_events", event_id));
  return std::optional<json>(std::move(payload));
}

}  // namespace wasl::workflow
