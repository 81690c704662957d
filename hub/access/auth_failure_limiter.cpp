#include "hub/access/auth_failure_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace wasl::access {

namespace {
constexpr int kEvictionScan = 16;
}

AuthFailureLimiter::AuthFailureLimiter() : AuthFailureLimiter(Options{}) {}

AuthFailureLimiter::AuthFailureLimiter(Options options) : options_(options) {
  global_.tokens = options_.global_max_failures;
}

std::string AuthFailureLimiter::bucket_key(std::string_view address) {
  if (address.find(':') == std::string_view::npos || address.size() >= INET6_ADDRSTRLEN) {
    return std::string(address);
  }
  std::string text(address);
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return text;
  // An IPv4-mapped address counts as the IPv4 address it carries.
  static constexpr std::array<unsigned char, 12> kMapped = {0, 0, 0, 0, 0,    0,
                                                            0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), bytes.begin())) {
    std::array<char, INET_ADDRSTRLEN> out{};
    inet_ntop(AF_INET, bytes.data() + 12, out.data(), out.size());
    return out.data();
  }
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  std::array<char, INET6_ADDRSTRLEN> out{};
  inet_ntop(AF_INET6, bytes.data(), out.data(), out.size());
  return std::string(out.data()) + "/64";
}

void AuthFailureLimiter::refill(Entry& entry, int capacity, Clock::time_point now) const {
  if (now <= entry.refilled_at) return;
  const double per_ms =
      static_cast<double>(capacity) / static_cast<double>(options_.window.count());
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.refilled_at).count();
  entry.tokens = std::min<double>(capacity, entry.tokens + per_ms * static_cast<double>(elapsed));
  entry.refilled_at = now;
}

void AuthFailureLimiter::evict_one(Clock::time_point now) {
  int scanned = 0;
  for (auto it = lru_.begin(); it != lru_.end() && scanned < kEvictionScan; ++it, ++scanned) {
    auto found = entries_.find(*it);
    if (found != entries_.end() && found->second.blocked_until <= now) {
      entries_.erase(found);
      lru_.erase(it);
      return;
    }
  }
  entries_.erase(lru_.front());
  lru_.pop_front();
}

std::optional<std::chrono::milliseconds> AuthFailureLimiter::blocked_for(std::string_view address,
                                                                         Clock::time_point now) {
  const std::string key = bucket_key(address);
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.blocked_until <= now) return std::nullopt;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(it->second.blocked_until - now);
  return std::max(wait, std::chrono::milliseconds(1));
}

bool AuthFailureLimiter::record_failure(std::string_view address, Clock::time_point now) {
  const std::string key = bucket_key(address);
  std::lock_guard lock(mu_);
  bool global_spent = false;
  if (options_.global_max_failures > 0) {
    refill(global_, options_.global_max_failures, now);
    global_spent = global_.tokens < 1.0;
    global_.tokens = std::max(0.0, global_.tokens - 1.0);
  }
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (options_.max_addresses == 0) return false;
    if (entries_.size() >= options_.max_addresses) evict_one(now);
    lru_.push_back(key);
    Entry entry;
    entry.tokens = options_.max_failures;
    entry.refilled_at = now;
    entry.lru = std::prev(lru_.end());
    it = entries_.emplace(key, entry).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lru);
  }
  Entry& entry = it->second;
  refill(entry, options_.max_failures, now);
  entry.tokens = std::max(0.0, entry.tokens - 1.0);
  if ((entry.tokens < 1.0 || global_spent) && entry.blocked_until <= now) {
    entry.blocked_until = now + options_.block_for;
    return true;
  }
  return false;
}

std::size_t AuthFailureLimiter::tracked_addresses() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace wasl::access
