#include "hub/storage/migrator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "hub/crypto/digest.hpp"

namespace wasl::storage {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

// Key of the PostgreSQL advisory lock that serialises migrators ("waslmig").
constexpr std::int64_t kMigrationLockKey = 0x7761736c6d6967;

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

std::string file_name(const Migration& m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d_", m.version);
  return buf + m.name + ".sql";
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error prefixed(const Error& e, const std::string& prefix) {
  Error out = e;
  out.message = prefix + ": " + e.message;
  return out;
}

// Takes the migration lock for the rest of `tx` (PostgreSQL); on SQLite the
// transaction's write lock (BEGIN IMMEDIATE) already serialises migrators.
Status lock(Transaction& tx, Dialect dialect) {
  if (dialect != Dialect::kPostgres) return {};
  // A migration may rewrite a large table: the session's statement_timeout
  // is for requests, not for this transaction.
  if (auto s = tx.exec_script("SET LOCAL statement_timeout = 0"); !s.ok()) {
    return prefixed(s.error(), "lifting the statement timeout for migrations");
  }
  auto r = tx.query("SELECT pg_advisory_xact_lock($1)", {Value{kMigrationLockKey}});
  if (!r.ok()) return prefixed(r.error(), "taking the migration lock");
  return {};
}

Result<bool> table_exists(Transaction& tx, Dialect dialect) {
  std::string_view sql =
      dialect == Dialect::kPostgres
          ? "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END"
          : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
            "'schema_migrations'";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql));
  if (rows.empty()) return false;
  WASL_ASSIGN_OR_RETURN(auto n, rows[0].get_int(0));
  return n > 0;
}

Result<std::vector<Migration>> sorted_checked(const std::vector<Migration>& migrations) {
  std::vector<Migration> sorted = migrations;
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].version <= 0) {
      return Error(ErrorCode::kInvalidArgument,
                   file_name(sorted[i]) + ": a migration version must be positive");
    }
    if (i > 0 && sorted[i].version == sorted[i - 1].version) {
      return Error(
          ErrorCode::kInvalidArgument,
          file_name(sorted[i - 1]) + " and " + file_name(sorted[i]) + " share a version number");
    }
  }
  return sorted;
}

Status ensure_table(Store& store) {
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(TxMode::kReadWrite));
  WASL_RETURN_IF_ERROR(lock(*tx, store.dialect()));
  auto created = tx->exec(kCreateTable);
  if (!created.ok()) return prefixed(created.error(), "creating schema_migrations");
  return tx->commit();
}

// Applies one migration, or checks the recorded checksum of an applied one.
// Returns whether it was applied now.
Result<bool> apply_one(Store& store, const Migration& m) {
  const std::string file = file_name(m);
  const std::string checksum = crypto::sha256_hex(m.sql);
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(TxMode::kReadWrite));
  WASL_RETURN_IF_ERROR(lock(*tx, store.dialect()));
  auto recorded = tx->query("SELECT checksum FROM schema_migrations WHERE version = $1",
                            {Value{std::int64_t{m.version}}});
  if (!recorded.ok()) return prefixed(recorded.error(), file);
  if (!recorded->empty()) {
    WASL_ASSIGN_OR_RETURN(auto have, (*recorded)[0].get_text(0));
    if (have != checksum) {
      return Error(ErrorCode::kFailedPrecondition,
                   file +
                       ": the file differs from the version already applied to this "
                       "database (checksum mismatch); restore it and put the change in a "
                       "new migration");
    }
    return false;
  }
  if (auto s = tx->exec_script(m.sql); !s.ok()) return prefixed(s.error(), file);
  auto recorded_row = tx->exec(
      "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
      "VALUES ($1, $2, $3, $4)",
      {Value{std::int64_t{m.version}}, Value{m.name}, Value{checksum}, Value{now_ms()}});
  if (!recorded_row.ok()) return prefixed(recorded_row.error(), file);
  if (auto s = tx->commit(); !s.ok()) return prefixed(s.error(), file);
  return true;
}

}  // namespace

Result<MigrationReport> migrate(Store& store, const std::vector<Migration>& migrations) {
  WASL_ASSIGN_OR_RETURN(auto sorted, sorted_checked(migrations));
  WASL_RETURN_IF_ERROR(ensure_table(store));
  MigrationReport report;
  for (const Migration& m : sorted) {
    WASL_ASSIGN_OR_RETURN(bool applied, apply_one(store, m));
    if (applied) report.applied.push_back(m);
  }
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(auto rows, tx->query("SELECT MAX(version) FROM schema_migrations"));
  if (!rows.empty() && !rows[0].is_null(0)) {
    WASL_ASSIGN_OR_RETURN(auto v, rows[0].get_int(0));
    report.current_version = static_cast<int>(v);
  }
  int known = sorted.empty() ? 0 : sorted.back().version;
  if (report.current_version > known) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the database schema is at version " + std::to_string(report.current_version) +
                     ", newer than the newest migration this binary knows (" +
                     std::to_string(known) + "); run a newer wasl");
  }
  return report;
}

Result<std::vector<Migration>> pending_migrations(Store& store,
                                                  const std::vector<Migration>& migrations) {
  WASL_ASSIGN_OR_RETURN(auto sorted, sorted_checked(migrations));
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(bool exists, table_exists(*tx, store.dialect()));
  if (!exists) return sorted;
  WASL_ASSIGN_OR_RETURN(auto rows, tx->query("SELECT version FROM schema_migrations"));
  std::set<std::int64_t> applied;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(auto v, row.get_int(0));
    applied.insert(v);
  }
  std::vector<Migration> pending;
  for (const auto& m : sorted) {
    if (!applied.count(m.version)) pending.push_back(m);
  }
  return pending;
}

}  // namespace wasl::storage
