// AuthFailureLimiter: counts failed authentications per source address (and,
// for API keys, per source and key prefix) and blocks what fails too often
// (the API answers 429 with Retry-After while it is blocked).
//
// The API counts per (source, key prefix): one bad client behind a proxy, or
// a guesser, blocks only the prefixes it sends from that source, so a valid
// key with another prefix from the same source is still accepted. Guessing
// one key's secret still runs into its prefix's bucket.
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
  };

  AuthFailureLimiter();
  explicit AuthFailureLimiter(Options options);

  // Characters of a key prefix that count (longer prefixes are cut).
  static constexpr std::size_t kKeyPrefixLength = 12;

  // How long the address must still wait, or nullopt when it may try.
  std::optional<std::chrono::milliseconds> blocked_for(std::string_view address,
                                                       Clock::time_point now = Clock::now());
  // The same for one key prefix sent from the address (empty: the address's
  // own bucket).
  std::optional<std::chrono::milliseconds> blocked_for(std::string_view address,
                                                       std::string_view key_prefix,
                                                       Clock::time_point now = Clock::now());

  // Records one failed attempt; true when this failure started a block.
  bool record_failure(std::string_view address, Clock::time_point now = Clock::now());
  bool record_failure(std::string_view address, std::string_view key_prefix,
                      Clock::time_point now = Clock::now());

  std::size_t tracked_addresses() const;

  // The counting key for an address: IPv6 masked to /64 (text form), IPv4
  // and anything unparsable unchanged.
  static std::string bucket_key(std::string_view address);
  // bucket_key(address), then a space and the prefix's first kKeyPrefixLength
  // characters when there is one.
  static std::string counting_key(std::string_view address, std::string_view key_prefix);

 private:
  struct Entry {
    double tokens = 0;
    Clock::time_point refilled_at;
    Clock::time_point blocked_until;
    std::list<std::string>::iterator lru;  // position in lru_ (front = oldest)
  };

  void refill(Entry& entry, Clock::time_point now) const;
  void evict_one(Clock::time_point now);

  const Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;
};

}  // namespace wasl::access
