#include "hub/alerts/alert_store.hpp"

#include <algorithm>
#include <utility>

#include "hub/storage/transaction_lock.hpp"

namespace wasl::alerts {
namespace {

using storage::null_value;
using storage::Value;

// Serialises the writers of alerts, so ids commit in order.
constexpr const char* kWriterLock = "alerts.writer";

Value text_or_null(const std::string& text) { return text.empty() ? null_value() : Value{text}; }

}  // namespace

sdk::Result<std::optional<std::int64_t>> AlertStore::record(
    const plugin_host::InstanceAlert& alert) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_RETURN_IF_ERROR(storage::lock_key(*tx, kWriterLock));
  std::string kind = alert.kind;
  if (!alert.state.empty()) {
    const std::string& key = alert.state_key.empty() ? alert.instance : alert.state_key;
    WASL_ASSIGN_OR_RETURN(std::int64_t changed,
                          tx->exec("UPDATE alert_states SET state = $1, since_ms = $2 "
                                   "WHERE instance = $3 AND state <> $1",
                                   {alert.state, alert.at_ms, key}));
    bool news = changed > 0;
    if (!news) {
      WASL_ASSIGN_OR_RETURN(
          std::int64_t inserted,
          tx->exec("INSERT INTO alert_states (instance, state, since_ms) VALUES ($1, $2, $3) "
                   "ON CONFLICT (instance) DO NOTHING",
                   {key, alert.state, alert.at_ms}));
      news = inserted > 0 && alert.state == "failing";
    }
    if (!news) {
      WASL_RETURN_IF_ERROR(tx->commit());
      return std::optional<std::int64_t>();
    }
    // An instance's: the shared change decides the kind (this hub may have
    // seen another). A rule's condition names its own.
    if (alert.state_key.empty()) {
      kind = alert.state == "failing" ? "instance.failing" : "instance.recovered";
    }
  }
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx->query("INSERT INTO alerts (instance, facility_id, kind, at_ms, message, dedup_key) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                {alert.instance, text_or_null(alert.facility_id), kind, alert.at_ms, alert.message,
                 text_or_null(alert.dedup_key)}));
  if (rows.empty()) {
    WASL_RETURN_IF_ERROR(tx->commit());
    return std::optional<std::int64_t>();
  }
  WASL_ASSIGN_OR_RETURN(std::int64_t id, rows.front().get_int(0));
  if (router_) {
    plugin_host::InstanceAlert routed = alert;
    routed.kind = kind;
    for (const DeliveryTarget& t : router_(routed)) {
      WASL_RETURN_IF_ERROR(
          tx->exec("INSERT INTO alert_deliveries (alert_id, facility_id, target, state, next_at) "
                   "VALUES ($1, $2, $3, 'pending', $4)",
                   {id, t.facility_id, t.target, alert.at_ms}));
    }
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return std::optional<std::int64_t>(id);
}

sdk::Result<std::vector<Delivery>> AlertStore::claim_deliveries(std::int64_t now_ms,
                                                                std::int64_t hold_until_ms,
                                                                int limit) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  // The outer conditions again: PostgreSQL re-checks them on a row another
  // hub claimed meanwhile, so it is skipped.
  WASL_ASSIGN_OR_RETURN(
      storage::Rows claimed,
      tx->query("UPDATE alert_deliveries SET claimed_until = $1, attempts = attempts + 1 "
                "WHERE state = 'pending' AND next_at <= $2 AND claimed_until <= $2 AND "
                "(alert_id, facility_id, target) IN ("
                "SELECT d.alert_id, d.facility_id, d.target FROM alert_deliveries d "
                "WHERE d.state = 'pending' AND d.next_at <= $2 AND d.claimed_until <= $2 "
                "AND NOT EXISTS (SELECT 1 FROM alert_deliveries o WHERE "
                "o.facility_id = d.facility_id AND o.target = d.target AND "
                "o.state = 'pending' AND o.alert_id < d.alert_id) "
                "ORDER BY d.alert_id LIMIT $3) "
                "RETURNING alert_id, facility_id, target, attempts",
                {hold_until_ms, now_ms, static_cast<std::int64_t>(limit)}));
  std::vector<Delivery> out;
  for (const storage::Row& row : claimed) {
    Delivery d;
    WASL_ASSIGN_OR_RETURN(d.alert.id, row.get_int(0));
    WASL_ASSIGN_OR_RETURN(d.facility_id, row.get_text(1));
    WASL_ASSIGN_OR_RETURN(d.target, row.get_text(2));
    WASL_ASSIGN_OR_RETURN(std::int64_t attempts, row.get_int(3));
    d.attempts = static_cast<int>(attempts);
    WASL_ASSIGN_OR_RETURN(
        storage::Rows alert,
        tx->query("SELECT instance, facility_id, kind, at_ms, message FROM alerts WHERE id = $1",
                  {d.alert.id}));
    if (alert.empty()) continue;  // purged meanwhile (its deliveries go with it)
    WASL_ASSIGN_OR_RETURN(d.alert.instance, alert.front().get_text(0));
    if (!alert.front().is_null(1)) {
      WASL_ASSIGN_OR_RETURN(d.alert.facility_id, alert.front().get_text(1));
    }
    WASL_ASSIGN_OR_RETURN(d.alert.kind, alert.front().get_text(2));
    WASL_ASSIGN_OR_RETURN(d.alert.at_ms, alert.front().get_int(3));
    WASL_ASSIGN_OR_RETURN(d.alert.message, alert.front().get_text(4));
    out.push_back(std::move(d));
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  // Oldest first, whatever order RETURNING gave.
  std::sort(out.begin(), out.end(),
            [](const Delivery& a, const Delivery& b) { return a.alert.id < b.alert.id; });
  return out;
}

sdk::Status AlertStore::settle(const Delivery& delivery, const std::string& state,
                               std::int64_t next_at_ms, const storage::Value& error,
                               const storage::Value& delivered_at) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_RETURN_IF_ERROR(
      tx->exec("UPDATE alert_deliveries SET state = $1, next_at = $2, claimed_until = 0, "
               "last_error = $3, delivered_at = $4 "
               "WHERE alert_id = $5 AND facility_id = $6 AND target = $7",
               {state, next_at_ms, error, delivered_at, delivery.alert.id, delivery.facility_id,
                delivery.target}));
  return tx->commit();
}

sdk::Status AlertStore::delivered(const Delivery& delivery, std::int64_t now_ms) {
  return settle(delivery, "delivered", now_ms, null_value(), Value{now_ms});
}

sdk::Status AlertStore::retry(const Delivery& delivery, std::int64_t next_at_ms,
                              const std::string& error) {
  return settle(delivery, "pending", next_at_ms, Value{error}, null_value());
}

sdk::Status AlertStore::give_up(const Delivery& delivery, const std::string& error) {
  return settle(delivery, "failed", 0, Value{error}, null_value());
}

sdk::Result<std::vector<std::string>> AlertStore::delivery_states(std::int64_t alert_id) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx->query("SELECT facility_id, target, state, attempts FROM alert_deliveries "
                "WHERE alert_id = $1 ORDER BY facility_id, target",
                {alert_id}));
  WASL_RETURN_IF_ERROR(tx->commit());
  std::vector<std::string> out;
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string facility, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(std::string target, row.get_text(1));
    WASL_ASSIGN_OR_RETURN(std::string state, row.get_text(2));
    WASL_ASSIGN_OR_RETURN(std::int64_t attempts, row.get_int(3));
    out.push_back(facility + " " + target + " " + state + " " + std::to_string(attempts));
  }
  return out;
}

sdk::Result<std::vector<plugin_host::InstanceAlert>> AlertStore::list(
    const std::string& facility_id, const std::set<std::string, std::less<>>& instances,
    std::int64_t after_id, std::size_t limit) {
  storage::Params params{after_id, facility_id, std::string(kHubSubject)};
  std::string bound;
  for (const std::string& instance : instances) {
    params.emplace_back(instance);
    bound += (bound.empty() ? "$" : ", $") + std::to_string(params.size());
  }
  params.emplace_back(static_cast<std::int64_t>(limit));
  std::string sql =
      "SELECT id, instance, facility_id, kind, at_ms, message FROM alerts WHERE id > $1 AND "
      "(facility_id = $2 OR (facility_id IS NULL AND (instance = $3";
  if (!bound.empty()) sql += " OR instance IN (" + bound + ")";
  sql += "))) ORDER BY id DESC LIMIT $" + std::to_string(params.size());
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx->query(sql, params));
  WASL_RETURN_IF_ERROR(tx->commit());
  std::vector<plugin_host::InstanceAlert> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    plugin_host::InstanceAlert alert;
    WASL_ASSIGN_OR_RETURN(alert.id, row.get_int(0));
    WASL_ASSIGN_OR_RETURN(alert.instance, row.get_text(1));
    if (!row.is_null(2)) {
      WASL_ASSIGN_OR_RETURN(alert.facility_id, row.get_text(2));
    }
    WASL_ASSIGN_OR_RETURN(alert.kind, row.get_text(3));
    WASL_ASSIGN_OR_RETURN(alert.at_ms, row.get_int(4));
    WASL_ASSIGN_OR_RETURN(alert.message, row.get_text(5));
    out.push_back(std::move(alert));
  }
  return out;
}

sdk::Result<std::int64_t> AlertStore::purge_before(std::int64_t before_ms, int limit) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(std::int64_t deleted,
                        tx->exec("DELETE FROM alerts WHERE id IN "
                                 "(SELECT id FROM alerts WHERE at_ms < $1 ORDER BY id LIMIT $2)",
                                 {before_ms, static_cast<std::int64_t>(limit)}));
  WASL_RETURN_IF_ERROR(tx->commit());
  return deleted;
}

}  // namespace wasl::alerts
