// AuthFailureLimiter: counts failed authentications per source address and
// across all sources, and blocks a source that fails too often (the API
// answers 429 with Retry-After while it is blocked).
//
// Only the source counts, never anything the request presents (a token, its
// prefix, a key id): a guesser that varies what it sends spends one budget
// all the same. The source is the client address as server.trusted_proxies
// resolves it; a client behind an untrusted proxy shares the proxy's budget.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wasl::access {

// Token bucket per address: `max_failures` tokens, refilled evenly over
// `window`; a failure takes one, and the failure that empties the bucket
// blocks the address for `block_for`. IPv6 addresses are counted per /64,
// since one host usually holds a whole /64.
//
// Global budget: one more bucket of `global_max_failures` tokens over
// `window`, which every failure of every source takes from. While it is
// empty, a source's first failure blocks it, so a guesser spread over many
// addresses gets one attempt per address and `block_for`. A source that does
// not fail (a valid key) is never refused because others fail.
//
// Thread-safe (one mutex). Memory is bounded by `max_addresses` entries: when
// full, the least recently seen address that is not blocked is forgotten
// (among the oldest few), else the least recently seen one.
class AuthFailureLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    int max_failures = 10;
    std::chrono::milliseconds window{60'000};
    std::chrono::milliseconds block_for{300'000};
    std::size_t max_addresses = 10'000;
    int global_max_failures = 0;  // per window, all sources together; 0: no global budget
  };

  AuthFailureLimiter();
  explicit AuthFailureLimiter(Options options);

  // How long the address must still wait, or nullopt when it may try.
  std::optional<std::chrono::milliseconds> blocked_for(std::string_view address,
                                                       Clock::time_point now = Clock::now());

  // Records one failed attempt; true when this failure started a block.
  bool record_failure(std::string_view address, Clock::time_point now = Clock::now());

  std::size_t tracked_addresses() const;

  // The counting key for an address: IPv6 masked to /64 (text form), IPv4
  // and anything unparsable unchanged.
  static std::string bucket_key(std::string_view address);

 private:
  struct Entry {
    double tokens = 0;
    Clock::time_point refilled_at;
    Clock::time_point blocked_until;
    std::list<std::string>::iterator lru;  // position in lru_ (front = oldest)
  };

  void refill(Entry& entry, int capacity, Clock::time_point now) const;
  void evict_one(Clock::time_point now);

  const Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;
  Entry global_;  // tokens of the global budget (lru unused)
};

}  // namespace wasl::access
