#include "plugins/sandbox/state_file.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>
#include <utility>

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS effects(
  method TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  calls INTEGER NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY(method, idempotency_key));
CREATE TABLE IF NOT EXISTS queued_responses(
  request_id TEXT PRIMARY KEY,
  response TEXT NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0);
)sql";

Error sqlite_error(sqlite3* db, int rc) {
  int primary = rc & 0xff;
  std::string text = std::string("sandbox state file: ") +
                     (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Error(ErrorCode::kUnavailable, text, true);
  }
  return Error(ErrorCode::kInternal, text, false);
}

// One prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text) {
    if (rc_ == SQLITE_OK) {
      rc_ = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                              SQLITE_TRANSIENT);
    }
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }

  // true when a row is available, false when done.
  Result<bool> step() {
    if (rc_ != SQLITE_OK) return sqlite_error(db_, rc_);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(db_, rc);
  }
  Status run() {
    auto r = step();
    if (!r.ok()) return std::move(r).error();
    return {};
  }

  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(p),
                             static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Result<json> parse_stored(const std::string& text) {
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) {
    return Error(ErrorCode::kInternal, "sandbox state file: a stored answer is not JSON", false);
  }
  return value;
}

}  // namespace

// ---- EffectScope --------------------------------------------------------------

Status EffectScope::queue_response(const std::string& request_id, const json& response) {
  return file_.queue_locked(request_id, response);
}
Result<std::vector<json>> EffectScope::take_queued(int max) {
  return file_.take_queued_locked(max);
}
Result<bool> EffectScope::drop_queued(const std::string& request_id) {
  return file_.drop_queued_locked(request_id);
}

// ---- StateFile ----------------------------------------------------------------

Result<std::unique_ptr<StateFile>> StateFile::open(const std::string& path) {
  std::filesystem::path file(path);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      return Error(ErrorCode::kInvalidArgument,
                   "sandbox settings: state_file: cannot create the directory " +
                       file.parent_path().string() + ": " + ec.message(),
                   false);
    }
  }
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error(ErrorCode::kInvalidArgument,
                 "sandbox settings: state_file: cannot open " + path + " as SQLite: " + why, false);
  }
  std::unique_ptr<StateFile> state(new StateFile(path, db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  std::lock_guard lock(state->mutex_);
  if (auto s = state->exec_locked(kSchema); !s.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "sandbox settings: state_file: " + path +
                     " is not a usable sandbox state "
                     "file (" +
                     s.error().message + ")",
                 false);
  }
  return state;
}

StateFile::~StateFile() { sqlite3_close(db_); }

Status StateFile::exec_locked(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc);
  return {};
}

Status StateFile::queue_locked(const std::string& request_id, const json& response) {
  Statement insert(db_,
                   "INSERT OR REPLACE INTO queued_responses(request_id, response, delivered) "
                   "VALUES(?1, ?2, 0)");
  return insert.bind(1, request_id).bind(2, response.dump()).run();
}

Result<std::vector<json>> StateFile::take_queued_locked(int max) {
  std::vector<json> out;
  std::vector<std::string> ids;
  {
    Statement select(db_,
                     "SELECT request_id, response FROM queued_responses WHERE delivered = 0 "
                     "ORDER BY rowid LIMIT ?1");
    select.bind(1, static_cast<std::int64_t>(max));
    while (true) {
      WASL_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      ids.push_back(select.text(0));
      WASL_ASSIGN_OR_RETURN(json response, parse_stored(select.text(1)));
      out.push_back(std::move(response));
    }
  }
  for (const auto& id : ids) {
    Statement mark(db_, "UPDATE queued_responses SET delivered = 1 WHERE request_id = ?1");
    WASL_RETURN_IF_ERROR(mark.bind(1, id).run());
  }
  return out;
}

Result<bool> StateFile::drop_queued_locked(const std::string& request_id) {
  Statement remove(db_, "DELETE FROM queued_responses WHERE request_id = ?1 AND delivered = 0");
  WASL_RETURN_IF_ERROR(remove.bind(1, request_id).run());
  return sqlite3_changes(db_) > 0;
}

Result<EffectRecord> StateFile::record_effect(std::string_view method, const std::string& key,
                                              const EffectBody& first) {
  std::lock_guard lock(mutex_);
  WASL_RETURN_IF_ERROR(exec_locked("BEGIN IMMEDIATE"));
  auto record = record_effect_locked(method, key, first);
  if (!record.ok()) {
    (void)exec_locked("ROLLBACK");
    return record;
  }
  if (auto s = exec_locked("COMMIT"); !s.ok()) {
    (void)exec_locked("ROLLBACK");
    return std::move(s).error();
  }
  return record;
}

Result<EffectRecord> StateFile::record_effect_locked(std::string_view method,
                                                     const std::string& key,
                                                     const EffectBody& first) {
  Statement select(db_,
                   "SELECT calls, result FROM effects WHERE method = ?1 AND idempotency_key = ?2");
  WASL_ASSIGN_OR_RETURN(bool found, select.bind(1, method).bind(2, key).step());
  if (found) {
    EffectRecord record;
    record.calls = select.integer(0) + 1;
    WASL_ASSIGN_OR_RETURN(record.result, parse_stored(select.text(1)));
    Statement count(db_,
                    "UPDATE effects SET calls = calls + 1 "
                    "WHERE method = ?1 AND idempotency_key = ?2");
    WASL_RETURN_IF_ERROR(count.bind(1, method).bind(2, key).run());
    return record;
  }
  Statement insert(db_,
                   "INSERT INTO effects(method, idempotency_key, calls, result) "
                   "VALUES(?1, ?2, 1, '')");
  WASL_RETURN_IF_ERROR(insert.bind(1, method).bind(2, key).run());
  EffectScope scope(*this, sqlite3_last_insert_rowid(db_));
  WASL_ASSIGN_OR_RETURN(json result, first(scope));
  Statement store(db_, "UPDATE effects SET result = ?3 WHERE method = ?1 AND idempotency_key = ?2");
  WASL_RETURN_IF_ERROR(store.bind(1, method).bind(2, key).bind(3, result.dump()).run());
  return EffectRecord{1, std::move(result)};
}

}  // namespace wasl::plugins::sandbox
