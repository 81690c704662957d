// Store: the hub's one door to its database. Two backends implement it with
// the same behaviour: SqliteStore (embedded default) and PostgresStore
// (production, several hub processes). Plain SQL, no ORM.
//
// SQL text is shared between dialects wherever possible: parameters are
// written $1, $2, … on both backends (SQLite binds them by name). Where the
// dialects differ, callers branch on Store::dialect().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::storage {

enum class Dialect { kSqlite, kPostgres };
std::string_view to_string(Dialect d);

// Bytes stored as BLOB (SQLite) / BYTEA (PostgreSQL).
struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

// One bound parameter or one result cell.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;
using Params = std::vector<Value>;

inline Value null_value() { return std::monostate{}; }

// One result row. Column access by index or by name; getters convert
// between the backends' representations (PostgreSQL hands back text) and
// fail with kInternal when the cell cannot be read as asked.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> cells);

  std::size_t size() const { return cells_.size(); }
  const std::vector<std::string>& columns() const { return *columns_; }
  const Value& at(std::size_t i) const { return cells_.at(i); }
  const Value& at(std::string_view column) const;

  bool is_null(std::size_t i) const;
  bool is_null(std::string_view column) const;
  sdk::Result<std::int64_t> get_int(std::size_t i) const;
  sdk::Result<std::int64_t> get_int(std::string_view column) const;
  sdk::Result<double> get_double(std::size_t i) const;
  sdk::Result<std::string> get_text(std::size_t i) const;
  sdk::Result<std::string> get_text(std::string_view column) const;
  sdk::Result<std::string> get_blob(std::size_t i) const;  // raw bytes
  sdk::Result<std::string> get_blob(std::string_view column) const;

 private:
  std::size_t index_of(std::string_view column) const;
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> cells_;
};

using Rows = std::vector<Row>;

// A unit of work. Not thread-safe: one thread uses one transaction.
// Destroying a transaction that was not committed rolls it back.
// Errors map as follows on both backends:
//   unique / primary key violation  -> ErrorCode::kAlreadyExists
//   foreign key / check violation    -> ErrorCode::kFailedPrecondition
//   serialization failure, deadlock, SQLITE_BUSY after the timeout
//                                    -> ErrorCode::kConflict (retryable)
//   lost connection                  -> ErrorCode::kUnavailable (retryable)
//   SQL syntax and anything else     -> ErrorCode::kInternal
// After an error, the transaction is unusable except for rollback().
class Transaction {
 public:
  virtual ~Transaction() = default;

  // The SQL this transaction takes, for statements whose text differs.
  virtual Dialect dialect() const = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual sdk::Result<std::int64_t> exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs one statement and returns its rows.
  virtual sdk::Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;
  // Runs several ;-separated statements with no parameters (migrations).
  virtual sdk::Status exec_script(std::string_view sql) = 0;

  virtual sdk::Status commit() = 0;
  virtual void rollback() noexcept = 0;
};

// PostgreSQL's read-only transactions send BEGIN ... READ ONLY only once a
// statement needs one (a write, a row or advisory lock, SET LOCAL, a
// sequence); until then each plain SELECT runs alone, in a snapshot of its
// own, as it would inside READ COMMITTED (postgres_store.cpp).
enum class TxMode {
  kReadWrite,  // SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED
  kReadOnly,   // SQLite: BEGIN DEFERRED;  PostgreSQL: see above
};

struct PoolStats {
  int size = 0;               // connections the pool may hold
  int open = 0;               // connections currently open
  int in_use = 0;             // connections lent to a transaction right now
  int waiting = 0;            // callers waiting for a connection
  std::int64_t replaced = 0;  // broken connections discarded and reopened
};

// Thread-safe: any number of threads may begin transactions at once; each
// waits for a pooled connection up to the store's acquire timeout
// (ErrorCode::kUnavailable when it lapses).
class Store {
 public:
  virtual ~Store() = default;

  virtual Dialect dialect() const = 0;
  virtual sdk::Result<std::unique_ptr<Transaction>> begin(TxMode mode = TxMode::kReadWrite) = 0;
  // Checks that the database answers (a trivial query on a pooled connection).
  virtual sdk::Status ping() = 0;
  virtual PoolStats pool_stats() const = 0;
};

// Backend settings, filled from the `storage:` section of the config.
struct SqliteOptions {
  std::string path;  // database file; parent dir is created
  std::chrono::milliseconds busy_timeout{5000};
  int pool_size = 4;
  bool synchronous_full = true;  // WAL + synchronous=FULL: a commit is durable on return
};

struct PostgresOptions {
  std::string url;  // libpq connection URI or key=value string; a secret
  int pool_size = 8;
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::milliseconds connect_timeout{5000};
  // Server side: statement_timeout of every session (57014 → kDeadlineExceeded).
  // Client side: a statement, BEGIN or COMMIT that has had no answer for
  // statement_timeout + max(1 s, statement_timeout / 4) has its socket shut
  // down (kUnavailable), which catches a half-open connection the server's
  // timer never sees. TCP keepalives (idle 10 s, then 3 probes 5 s apart) and
  // tcp_user_timeout end a dead peer too. 0 turns all of it off.
  std::chrono::milliseconds statement_timeout{30000};
};

// Opens a store. Fails with a sentence an operator can act on (file not
// writable, server refused the connection, …); never includes the password.
sdk::Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options);
sdk::Result<std::unique_ptr<Store>> open_postgres(const PostgresOptions& options);

}  // namespace wasl::storage
