#include "hub/webhooks/webhook_contacts.hpp"

#include <spdlog/spdlog.h>

namespace wasl::webhooks {

void WebhookContacts::heard(const std::string& instance, std::int64_t at_ms) {
  {
    std::lock_guard lock(mutex_);
    auto written = written_.find(instance);
    if (written != written_.end() && at_ms - written->second < every_.count()) return;
    // Claimed before the write, so concurrent requests write once; a
    // failed write gives the claim back.
    written_[instance] = at_ms;
  }
  auto write = [&]() -> sdk::Status {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_RETURN_IF_ERROR(
        tx->exec("INSERT INTO webhook_contacts (instance, last_at) VALUES ($1, $2) "
                 "ON CONFLICT (instance) DO UPDATE SET last_at = excluded.last_at "
                 "WHERE webhook_contacts.last_at < excluded.last_at",
                 {instance, at_ms}));
    return tx->commit();
  };
  if (auto written = write(); !written.ok()) {
    spdlog::warn("cannot record a request from {}: {}", instance, written.error().message);
    std::lock_guard lock(mutex_);
    written_.erase(instance);
  }
}

sdk::Result<std::map<std::string, std::int64_t>> WebhookContacts::last_heard(
    const std::vector<std::string>& instances) {
  std::map<std::string, std::int64_t> out;
  if (instances.empty()) return out;
  storage::Params params;
  std::string list;
  for (const std::string& instance : instances) {
    params.emplace_back(instance);
    list += (list.empty() ? "$" : ", $") + std::to_string(params.size());
  }
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx->query("SELECT instance, last_at FROM webhook_contacts WHERE instance IN (" + list + ")",
                params));
  WASL_RETURN_IF_ERROR(tx->commit());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string instance, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(std::int64_t at, row.get_int(1));
    out[instance] = at;
  }
  return out;
}

}  // namespace wasl::webhooks
