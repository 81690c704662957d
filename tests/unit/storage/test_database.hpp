// TestDatabase: one fresh database on one backend for one test, empty or
// with every embedded migration applied.
// SQLite: a new file in a new temporary directory (removed afterwards).
// PostgreSQL, in the server named by the file in $WASL_TEST_POSTGRES_URL_FILE:
// empty, a new schema in the server's database (dropped afterwards); migrated,
// a new database copied from a template database that the first test needing
// it migrates once per server (dropped afterwards). Stores opened on it see
// only the one schema and carry tag() as their application_name.
#pragma once

#include <chrono>
#include <memory>
#include <ostream>
#include <string>

#include "hub/storage/store.hpp"

namespace wasl::storage::testing {

struct StoreSettings {
  int pool_size = 4;
  // SQLite: busy timeout (also the pool's acquire timeout); PostgreSQL: acquire timeout.
  std::chrono::milliseconds timeout{5000};
  // PostgreSQL: the session's statement timeout (0 = none; see PostgresOptions).
  std::chrono::milliseconds statement_timeout{30000};
  // PostgreSQL: connect to this port on 127.0.0.1 instead (a TcpProxy in front
  // of the server); 0 = the server itself.
  int via_port = 0;
};

// What a new TestDatabase holds.
enum class Contents {
  kEmpty,     // nothing: the test migrates it (or not) itself
  kMigrated,  // every migration of embedded_migrations(dialect) applied
};

class TestDatabase {
 public:
  // Fails (never skips) when PostgreSQL is asked for and the URL file is missing.
  // kMigrated on SQLite migrates the new file; on PostgreSQL it copies the
  // server's template database for the embedded migrations (CREATE DATABASE
  // ... TEMPLATE), which one test creates and migrates under an advisory lock
  // while others wait; a changed migration set gets a template of its own.
  static sdk::Result<std::unique_ptr<TestDatabase>> create(Dialect dialect,
                                                           Contents contents = Contents::kEmpty);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Dialect dialect() const { return dialect_; }
  // Opens a new store on this database; any number may be open at once.
  sdk::Result<std::unique_ptr<Store>> open(StoreSettings settings = {}) const;

  // SQLite: the database file (WAL mode: "-wal" beside it holds recent
  // commits); empty for PostgreSQL.
  const std::string& sqlite_path() const { return sqlite_path_; }
  // PostgreSQL, empty: a store outside the test schema, for administration
  // (null for a migrated database).
  Store* admin() const { return admin_.get(); }
  // PostgreSQL: the server's port (for a TcpProxy in front of it).
  int server_port() const;
  // PostgreSQL: the application_name of every store opened by open().
  const std::string& tag() const { return tag_; }
  // Dialect-specific column type for bytes.
  std::string blob_type() const { return dialect_ == Dialect::kSqlite ? "BLOB" : "BYTEA"; }

 private:
  // PostgreSQL, migrated: one session in the server's database that creates
  // and drops the test's own database.
  struct Maintenance;

  explicit TestDatabase(Dialect dialect);

  Dialect dialect_;
  std::string sqlite_dir_;
  std::string sqlite_path_;
  std::string base_url_;
  std::string tag_;
  // PostgreSQL: the schema stores see (tag_ when empty) and, when migrated,
  // the test's own database (else empty: the server's database).
  std::string schema_;
  std::string database_;
  std::unique_ptr<Store> admin_;
  std::unique_ptr<Maintenance> maintenance_;
};

std::string dialect_name(Dialect d);

}  // namespace wasl::storage::testing

namespace wasl::storage {
// Names the dialect in test output.
inline void PrintTo(Dialect d, std::ostream* os) { *os << to_string(d); }
}  // namespace wasl::storage
