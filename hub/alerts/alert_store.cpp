#include "hub/alerts/alert_store.hpp"

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
    WASL_ASSIGN_OR_RETURN(std::int64_t changed,
                          tx->exec("UPDATE alert_states SET state = $1, since_ms = $2 "
                                   "WHERE instance = $3 AND state <> $1",
                                   {alert.state, alert.at_ms, alert.instance}));
    bool news = changed > 0;
    if (!news) {
      WASL_ASSIGN_OR_RETURN(
          std::int64_t inserted,
          tx->exec("INSERT INTO alert_states (instance, state, since_ms) VALUES ($1, $2, $3) "
                   "ON CONFLICT (instance) DO NOTHING",
                   {alert.instance, alert.state, alert.at_ms}));
      news = inserted > 0 && alert.state == "failing";
    }
    if (!news) {
      WASL_RETURN_IF_ERROR(tx->commit());
      return std::optional<std::int64_t>();
    }
    // The shared change decides the kind: this hub may have seen another.
    kind = alert.state == "failing" ? "instance.failing" : "instance.recovered";
  }
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx->query("INSERT INTO alerts (instance, facility_id, kind, at_ms, message, dedup_key) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                {alert.instance, text_or_null(alert.facility_id), kind, alert.at_ms, alert.message,
                 text_or_null(alert.dedup_key)}));
  WASL_RETURN_IF_ERROR(tx->commit());
  if (rows.empty()) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(std::int64_t id, rows.front().get_int(0));
  return std::optional<std::int64_t>(id);
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
