// StateFile: the sandbox's state in one SQLite file — one row per effect
// (method, idempotency key) with the result it answered and how many times it
// was called, and the queued claim answers:
//
//   effects(method TEXT, idempotency_key TEXT, calls INTEGER, result TEXT,
//           PRIMARY KEY(method, idempotency_key))
//   queued_responses(request_id TEXT PRIMARY KEY, response TEXT,
//                    delivered INTEGER)
//
// `method` is the SDK method's name without its capability ("submit_claim"); `result` is the
// answer's JSON wire form (wasl/sdk/types.hpp). Tests read these tables directly with sqlite3;
// several instances may share one file (each opens its own connection and waits up to 5 s for a
// lock).
//
// Thread safety: one connection guarded by a mutex; every method may be
// called from any thread. Errors: kUnavailable (retryable) when the file is
// locked by another writer for too long, kInternal for any other SQLite
// failure; messages carry SQLite's text and never a stored value.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

struct sqlite3;

namespace wasl::plugins::sandbox {

struct EffectRecord {
  std::int64_t calls = 0;  // calls of this (method, key) so far, this one included
  nlohmann::json result;   // the answer stored at the first call
};

class StateFile;

// The open transaction of an effect's first call: what the effect may change.
// Valid only during the EffectBody it is passed to.
class EffectScope {
 public:
  // A number unique within the state file, for the new resource's id.
  std::int64_t sequence() const { return sequence_; }
  // Keeps `response` for poll(), keyed by the request it answers.
  sdk::Status queue_response(const std::string& request_id, const nlohmann::json& response);
  // Up to `max` queued responses not yet delivered, oldest first, now marked
  // delivered.
  sdk::Result<std::vector<nlohmann::json>> take_queued(int max);
  // Forgets an undelivered queued response (a cancelled claim); true if there was one.
  sdk::Result<bool> drop_queued(const std::string& request_id);

 private:
  friend class StateFile;
  EffectScope(StateFile& file, std::int64_t sequence) : file_(file), sequence_(sequence) {}
  StateFile& file_;
  std::int64_t sequence_;
};

// Computes the answer of an effect's first call; an Error rolls the call back
// (nothing is recorded).
using EffectBody = std::function<sdk::Result<nlohmann::json>(EffectScope& scope)>;

class StateFile {
 public:
  // Opens (creating when missing, with its parent directories) the file and
  // its tables. kInvalidArgument naming the path when it cannot be opened.
  static sdk::Result<std::unique_ptr<StateFile>> open(const std::string& path);
  ~StateFile();
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;

  const std::string& path() const { return path_; }

  // One call of (method, key), in one transaction: the first runs `first` and
  // stores its answer with calls = 1; a repeat only counts the call and
  // returns the stored answer.
  sdk::Result<EffectRecord> record_effect(std::string_view method, const std::string& key,
                                          const EffectBody& first);

 private:
  friend class EffectScope;
  StateFile(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  // The *_locked methods expect mutex_ held.
  sdk::Status exec_locked(const char* sql);
  sdk::Status queue_locked(const std::string& request_id, const nlohmann::json& response);
  sdk::Result<std::vector<nlohmann::json>> take_queued_locked(int max);
  sdk::Result<bool> drop_queued_locked(const std::string& request_id);
  sdk::Result<EffectRecord> record_effect_locked(std::string_view method, const std::string& key,
                                                 const EffectBody& first);

  std::string path_;
  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace wasl::plugins::sandbox
