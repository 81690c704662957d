#include "hub/access/auth_failure_audit.hpp"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "hub/domain/timestamp.hpp"

namespace wasl::access {

AuthFailureAudit::AuthFailureAudit(const audit::AuditWriter& writer, Options options, NowMs now_ms)
    : writer_(writer), options_(options), now_ms_(std::move(now_ms)) {}

std::int64_t AuthFailureAudit::now() const { return now_ms_ ? now_ms_() : audit::now_epoch_ms(); }

void AuthFailureAudit::record(std::string_view source, std::string_view reason,
                              std::string_view key_id, std::string_view request_id) {
  const std::int64_t at = now();
  const std::int64_t minute = at - (at % kMinuteMs);
  std::lock_guard lock(mu_);
  Key key{minute, std::string(source)};
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    std::size_t& sources = sources_per_minute_[minute];
    if (source.empty() || sources >= options_.max_sources) {
      key = Key{minute, std::string()};  // the minute's overflow event
      it = pending_.find(key);
    } else {
      ++sources;
    }
    if (it == pending_.end()) {
      it = pending_.emplace(key, Count{}).first;
      it->second.first_at = at;
      it->second.first_request_id = std::string(request_id);
    }
  }
  Count& count = it->second;
  ++count.failures;
  count.last_at = at;
  if (auto r = count.reasons.find(reason); r != count.reasons.end()) {
    ++r->second;
  } else {
    count.reasons.emplace(std::string(reason), 1);
  }
  if (!key_id.empty() && count.key_ids.size() < options_.max_key_ids) {
    count.key_ids.emplace(key_id);
  }
}

audit::AuditEvent AuthFailureAudit::event_of(const Key& key, const Count& count) const {
  const auto& [minute, source] = key;
  audit::AuditEvent event;
  event.occurred_at = count.last_at;
  event.actor = "anonymous";
  event.action = "auth.failed";
  event.outcome = std::string(audit::kOutcomeFailure);
  event.request_id = count.first_request_id;
  event.source_address = source;
  if (count.key_ids.size() == 1) {
    event.entity_type = "api_key";
    event.entity_id = *count.key_ids.begin();
  }
  nlohmann::json detail{{"count", count.failures},
                        {"minute", domain::format_timestamp(minute)},
                        {"first_at", domain::format_timestamp(count.first_at)},
                        {"last_at", domain::format_timestamp(count.last_at)},
                        {"reasons", count.reasons}};
  // The first reason keeps the shape of a single failure's detail.
  if (count.reasons.size() == 1) detail["reason"] = count.reasons.begin()->first;
  if (!count.key_ids.empty()) detail["api_key_ids"] = count.key_ids;
  if (source.empty()) detail["other_sources"] = true;
  event.detail = detail.dump();
  return event;
}

sdk::Result<int> AuthFailureAudit::flush(storage::Store& store, bool everything) {
  const std::int64_t at = now();
  const std::int64_t current_minute = at - (at % kMinuteMs);
  std::vector<std::pair<Key, Count>> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (!everything && std::get<0>(it->first) >= current_minute) break;  // sorted by minute
      due.emplace_back(it->first, std::move(it->second));
      it = pending_.erase(it);
    }
    for (auto it = sources_per_minute_.begin(); it != sources_per_minute_.end();) {
      if (!everything && it->first >= current_minute) break;
      it = sources_per_minute_.erase(it);
    }
  }
  if (due.empty()) return 0;

  auto put_back = [&] {
    std::lock_guard lock(mu_);
    for (auto& [key, count] : due) {
      auto [it, inserted] = pending_.emplace(key, count);
      if (inserted) continue;
      // Failures counted meanwhile under the same key (a flush of everything
      // racing record()): merge them.
      Count& merged = it->second;
      merged.failures += count.failures;
      merged.first_at = std::min(merged.first_at, count.first_at);
      merged.last_at = std::max(merged.last_at, count.last_at);
      merged.first_request_id = count.first_request_id;
      for (const auto& [reason, n] : count.reasons) merged.reasons[reason] += n;
      for (const auto& id : count.key_ids) {
        if (merged.key_ids.size() < options_.max_key_ids) merged.key_ids.insert(id);
      }
    }
  };
  auto tx = store.begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) {
    put_back();
    return std::move(tx).error();
  }
  for (const auto& [key, count] : due) {
    auto appended = writer_.append(**tx, event_of(key, count));
    if (!appended.ok()) {
      (*tx)->rollback();
      put_back();
      return std::move(appended).error();
    }
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    put_back();
    return std::move(committed).error();
  }
  return static_cast<int>(due.size());
}

std::size_t AuthFailureAudit::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace wasl::access
