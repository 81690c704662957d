// TestDatabase: one fresh, empty database on one backend for one test.
// SQLite: a new file in a new temporary directory (removed afterwards).
// PostgreSQL: a new schema in the server named by the file in
// $WASL_TEST_POSTGRES_URL_FILE (dropped afterwards); stores opened on it see
// only that schema and carry the schema name as their application_name.
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

class TestDatabase {
 public:
  // Fails (never skips) when PostgreSQL is asked for and the URL file is missing.
  static sdk::Result<std::unique_ptr<TestDatabase>> create(Dialect dialect);
  ~TestDatabase();

  Dialect dialect() const { return dialect_; }
  // Opens a new store on this database; any number may be open at once.
  sdk::Result<std::unique_ptr<Store>> open(StoreSettings settings = {}) const;

  // SQLite: the database file (WAL mode: "-wal" beside it holds recent
  // commits); empty for PostgreSQL.
  const std::string& sqlite_path() const { return sqlite_path_; }
  // PostgreSQL: a store outside the test schema, for administration.
  Store* admin() const { return admin_.get(); }
  // PostgreSQL: the server's port (for a TcpProxy in front of it).
  int server_port() const;
  // PostgreSQL: the application_name of every store opened by open().
  const std::string& tag() const { return tag_; }
  // Dialect-specific column type for bytes.
  std::string blob_type() const { return dialect_ == Dialect::kSqlite ? "BLOB" : "BYTEA"; }

 private:
  explicit TestDatabase(Dialect dialect) : dialect_(dialect) {}

  Dialect dialect_;
  std::string sqlite_dir_;
  std::string sqlite_path_;
  std::string base_url_;
  std::string tag_;
  std::unique_ptr<Store> admin_;
};

std::string dialect_name(Dialect d);

}  // namespace wasl::storage::testing

namespace wasl::storage {
// Names the dialect in test output.
inline void PrintTo(Dialect d, std::ostream* os) { *os << to_string(d); }
}  // namespace wasl::storage
