#include "hub/api/read_audit_window.hpp"

#include <algorithm>

namespace wasl::api {

ReadAuditWindow::ReadAuditWindow(std::chrono::milliseconds window, std::size_t max_entries)
    : window_ms_(window.count()), max_entries_(std::max<std::size_t>(1, max_entries)) {}

std::string ReadAuditWindow::key_of(std::string_view actor, std::string_view query) {
  std::string key(actor);
  key += '\n';
  key += query;
  return key;
}

bool ReadAuditWindow::repeats(std::string_view actor, std::string_view query,
                              std::string_view answer_digest, std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key_of(actor, query));
  if (it == entries_.end()) return false;
  return it->second.digest == answer_digest && now_ms >= it->second.at_ms &&
         now_ms - it->second.at_ms < window_ms_;
}

void ReadAuditWindow::remember(std::string_view actor, std::string_view query,
                               std::string_view answer_digest, std::int64_t now_ms) {
  std::string key = key_of(actor, query);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    order_.erase(it->second.order);
    entries_.erase(it);
  }
  order_.push_back(key);
  entries_.emplace(std::move(key),
                   Entry{std::string(answer_digest), now_ms, std::prev(order_.end())});
  while (entries_.size() > max_entries_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace wasl::api
