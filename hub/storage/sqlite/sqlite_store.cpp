#include "hub/storage/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wasl::storage {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

// Maps the connection's last error to the Store's error contract.
Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  if ((ext & 0xff) != (rc & 0xff)) ext = rc;
  std::string message =
      std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return Error(ErrorCode::kAlreadyExists, std::move(message));
    default: break;
  }
  switch (ext & 0xff) {
    case SQLITE_CONSTRAINT: return Error(ErrorCode::kFailedPrecondition, std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Error(ErrorCode::kConflict, std::move(message), true);
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return Error(ErrorCode::kUnavailable, std::move(message), false);
    default: return Error(ErrorCode::kInternal, std::move(message));
  }
}

bool only_space_or_comments(const char* p) {
  while (*p != '\0') {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
      ++p;
    } else if (p[0] == '-' && p[1] == '-') {
      while (*p != '\0' && *p != '\n') ++p;
    } else {
      return false;
    }
  }
  return true;
}

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// `sql` with each $n placeholder written ?n. SQLite takes "$1" for a named
// parameter: the parser and sqlite3_bind_parameter_index find a name by a
// linear search, so a statement of n placeholders (a batch's multi-row
// VALUES) cost n^2 string compares to prepare and again to bind. "?n" is
// parameter n itself (the parser still searches for a number lower than the
// highest seen, so batch statements number theirs in order of appearance).
// Quoted text and comments are left as they are. Every number from 1 to the
// highest must be used (kInvalidArgument otherwise): a parameter the
// statement forgot would be bound to nothing.
Result<std::string> numbered_parameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  std::vector<bool> used;
  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      std::size_t end = sql.find(c, i + 1);
      end = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      std::size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9' &&
               (i == 0 || !identifier_char(sql[i - 1]))) {
      std::size_t end = i + 1;
      std::size_t n = 0;
      while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9' && n < 1000000) {
        n = n * 10 + static_cast<std::size_t>(sql[end] - '0');
        ++end;
      }
      if (n == 0 || n >= 1000000) {
        return Error(ErrorCode::kInvalidArgument, "parameters are numbered from $1");
      }
      if (used.size() < n) used.resize(n, false);
      used[n - 1] = true;
      out += '?';
      out.append(sql.substr(i + 1, end - i - 1));
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  for (std::size_t k = 0; k < used.size(); ++k) {
    if (!used[k]) {
      return Error(ErrorCode::kInvalidArgument, "the statement does not use parameter $" +
                                                    std::to_string(k + 1) +
                                                    "; write parameters as $1..$n");
    }
  }
  return out;
}

}  // namespace

// One sqlite3 handle and its statement cache. Used by one thread at a time.
class SqliteConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_finalize(transient_);
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* db() const { return db_; }

  // Returns a reset statement for `sql`, prepared once per connection.
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    WASL_ASSIGN_OR_RETURN(std::string text, numbered_parameters(key));
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size() + 1),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) {
      Error e = sqlite_error(db_, rc, "preparing a statement");
      sqlite3_finalize(stmt);
      return e;
    }
    if (stmt == nullptr) {
      return Error(ErrorCode::kInvalidArgument, "the statement is empty");
    }
    if (tail != nullptr && !only_space_or_comments(tail)) {
      sqlite3_finalize(stmt);
      return Error(ErrorCode::kInvalidArgument,
                   "exec() and query() run one statement; use exec_script() for several");
    }
    if (sqlite3_bind_parameter_count(stmt) > kMaxCachedParameters) {
      // A batch's statement (rows x columns placeholders) takes a new shape
      // for each batch size; cached, those shapes filled the cache with
      // large programs that were seldom used again and grew the resident set
      // by megabytes per connection. It is kept until the next statement.
      sqlite3_finalize(transient_);
      transient_ = stmt;
      return stmt;
    }
    if (cache_.size() >= kMaxCached) {
      for (auto& [s, st] : cache_) sqlite3_finalize(st);
      cache_.clear();
    }
    cache_.emplace(std::move(key), stmt);
    return stmt;
  }

 private:
  static constexpr std::size_t kMaxCached = 256;
  static constexpr int kMaxCachedParameters = 32;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  sqlite3_stmt* transient_ = nullptr;  // the last uncached statement
};

namespace {

Result<std::unique_ptr<SqliteConnection>> open_connection(const SqliteOptions& options) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto conn = std::make_unique<SqliteConnection>(db);  // closes db on every path
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "cannot open the SQLite database " + options.path);
    e.code = ErrorCode::kUnavailable;
    return e;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));

  // journal_mode answers with the mode in effect; anything but wal means the
  // file system or file refused it.
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  std::string mode;
  if (rc == SQLITE_ROW) {
    mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    rc = SQLITE_OK;
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK) {
    return sqlite_error(db, rc, "cannot enable WAL on the SQLite database " + options.path);
  }
  if (mode != "wal") {
    return Error(ErrorCode::kFailedPrecondition, "the SQLite database " + options.path +
                                                     " cannot use WAL (journal mode is " + mode +
                                                     "); put it on a local file system");
  }
  // temp_store=MEMORY: statement journals (kept so that a failing statement
  // inside a transaction can undo its own rows) stay in memory instead of a
  // file created, written and unlinked under /var/tmp for many transactions.
  // They are never needed after a crash; durability is the WAL's.
  std::string pragmas = std::string("PRAGMA synchronous=") +
                        (options.synchronous_full ? "FULL" : "NORMAL") +
                        "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
  rc = sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return sqlite_error(db, rc, "cannot configure the SQLite database " + options.path);
  }
  return conn;
}

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(ConnectionPool<SqliteConnection>& pool, std::unique_ptr<SqliteConnection> conn,
                    bool read_only)
      : pool_(pool), conn_(std::move(conn)), read_only_(read_only) {}
  ~SqliteTransaction() override { rollback(); }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::int64_t> exec(std::string_view sql, const Params& params) override {
    WASL_RETURN_IF_ERROR(usable());
    WASL_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, bind(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return fail(rc, "executing a statement", stmt);
    sqlite3_reset(stmt);
    return static_cast<std::int64_t>(sqlite3_changes64(conn_->db()));
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    WASL_RETURN_IF_ERROR(usable());
    WASL_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, bind(sql, params));
    int n = sqlite3_column_count(stmt);
    auto columns = std::make_shared<std::vector<std::string>>();
    columns->reserve(n);
    for (int i = 0; i < n; ++i) {
      const char* name = sqlite3_column_name(stmt, i);
      columns->emplace_back(name != nullptr ? name : "");
    }
    Rows rows;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<Value> cells;
      cells.reserve(n);
      for (int i = 0; i < n; ++i) cells.push_back(read_cell(stmt, i));
      rows.emplace_back(columns, std::move(cells));
    }
    if (rc != SQLITE_DONE) return fail(rc, "running a query", stmt);
    sqlite3_reset(stmt);
    return rows;
  }

  Status exec_script(std::string_view sql) override {
    WASL_RETURN_IF_ERROR(usable());
    std::string text(sql);
    int rc = sqlite3_exec(conn_->db(), text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return fail(rc, "executing a script", nullptr);
    return {};
  }

  Status commit() override {
    WASL_RETURN_IF_ERROR(usable());
    int rc = sqlite3_exec(conn_->db(), "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      Error e = sqlite_error(conn_->db(), rc, "committing");
      rollback();
      return e;
    }
    finish();
    return {};
  }

  void rollback() noexcept override {
    if (!conn_) return;
    if (sqlite3_get_autocommit(conn_->db()) == 0) {
      sqlite3_exec(conn_->db(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    finish();
  }

 private:
  Status usable() const {
    if (!conn_) {
      return Error(ErrorCode::kFailedPrecondition, "the transaction has already ended");
    }
    if (failed_) {
      return Error(ErrorCode::kFailedPrecondition,
                   "an earlier statement of this transaction failed; roll it back");
    }
    return {};
  }

  Result<sqlite3_stmt*> bind(std::string_view sql, const Params& params) {
    auto prepared = conn_->prepare(sql);
    if (!prepared.ok()) {
      failed_ = true;
      return std::move(prepared).error();
    }
    sqlite3_stmt* stmt = *prepared;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      failed_ = true;
      return Error(ErrorCode::kInvalidArgument, "the statement takes " + std::to_string(expected) +
                                                    " parameters, " +
                                                    std::to_string(params.size()) + " given");
    }
    // Prepared with ?n placeholders, each used (see numbered_parameters).
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(stmt, idx);
      } else if (auto p = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, idx, *p);
      } else if (auto p = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, idx, *p);
      } else if (auto p = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text64(stmt, idx, p->data(), p->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else if (auto p = std::get_if<Blob>(&v)) {
        rc = p->bytes.empty() ? sqlite3_bind_zeroblob(stmt, idx, 0)
                              : sqlite3_bind_blob64(stmt, idx, p->bytes.data(), p->bytes.size(),
                                                    SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) return fail(rc, "binding parameter $" + std::to_string(idx), stmt);
    }
    return stmt;
  }

  static Value read_cell(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
      case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
      case SQLITE_TEXT: {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
      }
      case SQLITE_BLOB: {
        auto p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
        auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
        return Blob{p != nullptr ? std::string(p, n) : std::string()};
      }
      default: return std::monostate{};
    }
  }

  Error fail(int rc, std::string_view what, sqlite3_stmt* stmt) {
    Error e = sqlite_error(conn_->db(), rc, what);
    if (stmt != nullptr) sqlite3_reset(stmt);
    failed_ = true;
    return e;
  }

  void finish() noexcept {
    bool healthy = sqlite3_get_autocommit(conn_->db()) != 0;
    if (read_only_ && healthy) {
      healthy = sqlite3_exec(conn_->db(), "PRAGMA query_only=OFF", nullptr, nullptr, nullptr) ==
                SQLITE_OK;
    }
    pool_.release(std::move(conn_), healthy);
  }

  ConnectionPool<SqliteConnection>& pool_;
  std::unique_ptr<SqliteConnection> conn_;
  const bool read_only_;
  bool failed_ = false;
};

}  // namespace

SqliteStore::SqliteStore(const SqliteOptions& options)
    : options_(options), pool_(options.pool_size, options.busy_timeout, [options] {
        return open_connection(options);
      }) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  if (options.path.empty() || options.path == ":memory:") {
    return Error(ErrorCode::kInvalidArgument,
                 "storage.sqlite.path must name a database file (memory databases cannot be "
                 "shared by the connection pool)");
  }
  std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Error(ErrorCode::kUnavailable, "cannot create the directory " + parent.string() +
                                                " for the SQLite database: " + ec.message());
    }
  }
  WASL_ASSIGN_OR_RETURN(auto first, open_connection(options));
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  store->pool_.adopt(std::move(first));
  return store;
}

Result<std::unique_ptr<Transaction>> SqliteStore::begin(TxMode mode) {
  WASL_ASSIGN_OR_RETURN(auto conn, pool_.acquire());
  const bool read_only = mode == TxMode::kReadOnly;
  // query_only makes a read-only transaction refuse writes, as on PostgreSQL.
  const char* sql = read_only ? "PRAGMA query_only=ON; BEGIN" : "BEGIN IMMEDIATE";
  int rc = sqlite3_exec(conn->db(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(conn->db(), rc, "beginning a transaction");
    bool healthy = sqlite3_get_autocommit(conn->db()) != 0;
    if (read_only && healthy) {
      healthy =
          sqlite3_exec(conn->db(), "PRAGMA query_only=OFF", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    pool_.release(std::move(conn), healthy);
    return e;
  }
  return std::unique_ptr<Transaction>(new SqliteTransaction(pool_, std::move(conn), read_only));
}

Status SqliteStore::ping() {
  WASL_ASSIGN_OR_RETURN(auto tx, begin(TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(auto rows, tx->query("SELECT 1"));
  tx->rollback();
  if (rows.size() != 1) return Error(ErrorCode::kInternal, "SELECT 1 returned no row");
  return {};
}

PoolStats SqliteStore::pool_stats() const { return pool_.stats(); }

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options) {
  WASL_ASSIGN_OR_RETURN(auto store, SqliteStore::open(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace wasl::storage
