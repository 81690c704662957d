// ReadAuditWindow: tells whether a list read repeats one already audited —
// the same API key, the same query and the same answer within `window` — so
// a screen that refreshes itself (the console's live list, every few
// seconds) writes one audit event per distinct answer, not one per refresh.
// A different answer (a new consultation, a changed status), another query or
// another key is audited as before; so is the first read after the window.
//
// Thread-safe. Memory is bounded: at most `max_entries` reads are
// remembered, the oldest forgotten first. Kept per process: a hub behind a
// load balancer may audit a repeated read once per process.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wasl::api {

class ReadAuditWindow {
 public:
  explicit ReadAuditWindow(std::chrono::milliseconds window = std::chrono::minutes(5),
                           std::size_t max_entries = 10000);

  // True when (actor, query, answer_digest) was remembered less than the
  // window before now_ms: that read needs no new audit event.
  bool repeats(std::string_view actor, std::string_view query, std::string_view answer_digest,
               std::int64_t now_ms) const;
  // Remembers an audited read (call once its audit event is committed).
  void remember(std::string_view actor, std::string_view query, std::string_view answer_digest,
                std::int64_t now_ms);

 private:
  static std::string key_of(std::string_view actor, std::string_view query);
  struct Entry {
    std::string digest;
    std::int64_t at_ms = 0;
    std::list<std::string>::iterator order;
  };

  const std::int64_t window_ms_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // keys, oldest remembered first
};

}  // namespace wasl::api
