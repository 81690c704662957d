#include "hub/workflow/event_matcher.hpp"

#include <map>
#include <set>
#include <tuple>

#include "hub/jobs/job_queue.hpp"
#include "hub/storage/bind.hpp"
#include "hub/storage/row_id.hpp"

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

Result<std::vector<DeliveredEvent>> EventMatcher::deliver_all(
    Transaction& tx, const std::vector<const IncomingEvent*>& events, std::int64_t now) {
  std::vector<DeliveredEvent> out(events.size());
  if (events.empty()) return out;
  std::vector<WaitKey> keys;
  keys.reserve(events.size());
  std::set<std::tuple<std::string, std::string, std::string>> distinct_keys;
  std::set<std::string> dedupe_keys;
  for (const IncomingEvent* event : events) {
    if (event->dedupe_key.empty()) {
      return Error(ErrorCode::kInvalidArgument, "an event needs a dedupe key", false);
    }
    if (!distinct_keys.emplace(event->facility_id, event->type, event->correlation).second ||
        !dedupe_keys.insert(event->dedupe_key).second) {
      return Error(ErrorCode::kInternal,
                   "events delivered together must differ in their wait and dedupe keys");
    }
    keys.push_back(WaitKey{event->facility_id, event->type, event->correlation});
  }
  WASL_RETURN_IF_ERROR(lock(tx, keys));
  // The runs waiting are found first, so a matched event is inserted
  // matched (the advisory locks keep other deliveries of these keys out).
  WASL_ASSIGN_OR_RETURN(auto waiting, runs_.find_waiting(tx, keys));

  std::vector<std::vector<storage::Value>> rows;
  rows.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const IncomingEvent& event = *events[i];
    WASL_ASSIGN_OR_RETURN(out[i].event_id, storage::new_row_id());
    WASL_ASSIGN_OR_RETURN(auto payload_enc, runs_.encode(event.payload, "workflow_events",
                                                         out[i].event_id, "payload_enc"));
    storage::Value run_id;  // NULL unless a run waits
    storage::Value step_id;
    storage::Value matched_at;
    if (waiting[i]) {
      run_id = waiting[i]->run_id;
      step_id = waiting[i]->step_id;
      matched_at = now;
    }
    rows.push_back({out[i].event_id, event.facility_id, event.type, event.correlation,
                    event.dedupe_key, std::move(payload_enc), now, std::move(run_id),
                    std::move(step_id), std::move(matched_at)});
  }
  Params params;
  std::string sql =
      "INSERT INTO workflow_events (id, facility_id, type, correlation, dedupe_key, "
      "payload_enc, received_at, run_id, step_id, matched_at) ";
  sql += storage::rows_of(params, tx.dialect(),
                          {{"id", "TEXT"},
                           {"facility_id", "TEXT"},
                           {"type", "TEXT"},
                           {"correlation", "TEXT"},
                           {"dedupe_key", "TEXT"},
                           {"payload_enc", "BYTEA"},
                           {"received_at", "BIGINT"},
                           {"run_id", "TEXT"},
                           {"step_id", "TEXT"},
                           {"matched_at", "BIGINT"}},
                          rows, [](const std::vector<storage::Value>& row) { return row; });
  sql += " ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key";
  WASL_ASSIGN_OR_RETURN(auto inserted_rows, tx.query(sql, params));
  std::set<std::string> inserted;
  for (const auto& row : inserted_rows) {
    WASL_ASSIGN_OR_RETURN(auto key, row.get_text("dedupe_key"));
    inserted.insert(std::move(key));
  }

  // Duplicates report the event stored first and the run it went to.
  std::vector<storage::Value> duplicate_keys;
  for (const IncomingEvent* event : events) {
    if (inserted.count(event->dedupe_key) == 0) duplicate_keys.emplace_back(event->dedupe_key);
  }
  std::map<std::string, DeliveredEvent> first_delivery;
  if (!duplicate_keys.empty()) {
    Params keys_params;
    WASL_ASSIGN_OR_RETURN(auto found,
                          tx.query("SELECT id, run_id, dedupe_key FROM workflow_events WHERE " +
                                       storage::in_list(keys_params, tx.dialect(), "dedupe_key",
                                                        std::move(duplicate_keys), "TEXT"),
                                   keys_params));
    for (const auto& row : found) {
      DeliveredEvent first;
      WASL_ASSIGN_OR_RETURN(auto key, row.get_text("dedupe_key"));
      WASL_ASSIGN_OR_RETURN(first.event_id, row.get_text("id"));
      if (!row.is_null("run_id")) {
        WASL_ASSIGN_OR_RETURN(first.matched_run, row.get_text("run_id"));
      }
      first_delivery.emplace(std::move(key), std::move(first));
    }
  }

  for (std::size_t i = 0; i < events.size(); ++i) {
    if (inserted.count(events[i]->dedupe_key) == 0) {
      out[i].duplicate = true;
      auto first = first_delivery.find(events[i]->dedupe_key);
      if (first != first_delivery.end()) {
        out[i].event_id = first->second.event_id;
        out[i].matched_run = first->second.matched_run;
      }
    } else if (waiting[i]) {
      out[i].matched_run = waiting[i]->run_id;
    }
  }
  return out;
}

Status EventMatcher::lock(Transaction& tx, const std::vector<WaitKey>& keys) {
  if (store_.dialect() != storage::Dialect::kPostgres || keys.empty()) return {};
  // Taken in the order of `keys` (unnest reads its array in order).
  std::vector<storage::Value> names;
  names.reserve(keys.size());
  for (const auto& key : keys) {
    names.emplace_back(key.facility_id + "\x1f" + key.type + "\x1f" + key.correlation);
  }
  Params params;
  std::string sql = "SELECT pg_advisory_xact_lock(hashtext(wait_key)) FROM unnest(CAST(";
  sql += storage::bind(params, storage::array_literal(names));
  sql += " AS TEXT[])) AS wait_key";
  WASL_RETURN_IF_ERROR(tx.query(sql, params));
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
