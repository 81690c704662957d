// AuthFailureAudit: turns failed authentications into `auth.failed` audit
// events, one per source and UTC minute carrying how many failures it stands
// for, so that however many failures a source produces (whatever tokens it
// sends), the audit trail grows by at most one event per source and minute.
//
// record() only counts in memory; flush() appends the events of the minutes
// that have ended (all of them when told to, at shutdown) in one
// transaction. A failure thus reaches the audit trail within a minute and one
// flush interval; the counts of minutes not yet flushed are lost if the
// process dies.
//
// Memory is bounded: at most `max_sources` sources are counted per minute;
// the failures of further sources in that minute are counted in one event
// without a source address (detail "other_sources": true).
//
// Thread-safe (one mutex; flush() holds it only to take the finished minutes,
// not while writing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "hub/audit/audit_writer.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::access {

class AuthFailureAudit {
 public:
  using NowMs = std::function<std::int64_t()>;  // epoch ms UTC

  struct Options {
    std::size_t max_sources = 1000;  // per minute
    std::size_t max_key_ids = 8;     // API key ids named per event
  };

  // Borrows `writer`, which must outlive this. `now_ms` empty: the system clock.
  AuthFailureAudit(const audit::AuditWriter& writer, Options options, NowMs now_ms = {});

  // Counts one failure of `source` (the limiter's counting key: an address,
  // or an IPv6 /64). `reason` and `key_id` as AuthenticationFailure has them
  // (`key_id` empty when no key was found); `request_id` of the request.
  void record(std::string_view source, std::string_view reason, std::string_view key_id,
              std::string_view request_id);

  // Appends one `auth.failed` event per (source, minute) whose minute has
  // ended, or per pending (source, minute) when `everything`. Returns how
  // many it appended. Errors: the store's; the counts stay pending and the
  // next flush writes them.
  sdk::Result<int> flush(storage::Store& store, bool everything = false);

  // (source, minute) pairs counted and not yet written.
  std::size_t pending() const;

  static constexpr std::int64_t kMinuteMs = 60'000;

 private:
  struct Count {
    std::int64_t failures = 0;
    std::int64_t first_at = 0;
    std::int64_t last_at = 0;
    std::string first_request_id;
    std::map<std::string, std::int64_t, std::less<>> reasons;
    std::set<std::string, std::less<>> key_ids;
  };
  // (minute start, source); the overflow event's source is empty.
  using Key = std::tuple<std::int64_t, std::string>;

  std::int64_t now() const;
  audit::AuditEvent event_of(const Key& key, const Count& count) const;

  const audit::AuditWriter& writer_;
  const Options options_;
  NowMs now_ms_;
  mutable std::mutex mu_;
  std::map<Key, Count> pending_;
  std::map<std::int64_t, std::size_t> sources_per_minute_;
};

}  // namespace wasl::access
