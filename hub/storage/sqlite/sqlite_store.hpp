// SqliteStore: the embedded Store backend on the sqlite3 C API.
//
// Every connection runs in WAL mode with synchronous=FULL (or NORMAL when
// SqliteOptions::synchronous_full is false), foreign_keys=ON and the
// configured busy timeout. Each transaction holds one pooled connection;
// kReadWrite begins with BEGIN IMMEDIATE (writers queue on the busy timeout),
// kReadOnly with a deferred BEGIN. Parameters are written $1..$n and bound by
// name. Prepared statements are cached per connection.
#pragma once

#include <memory>

#include "hub/storage/connection_pool.hpp"
#include "hub/storage/store.hpp"

namespace wasl::storage {

class SqliteConnection;

// Thread-safe (see Store). Must outlive every transaction it began.
class SqliteStore final : public Store {
 public:
  // Creates the file's parent directory, opens one connection to check that
  // the file is usable and WAL can be enabled.
  static sdk::Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;

  Dialect dialect() const override { return Dialect::kSqlite; }
  sdk::Result<std::unique_ptr<Transaction>> begin(TxMode mode = TxMode::kReadWrite) override;
  sdk::Status ping() override;
  PoolStats pool_stats() const override;

 private:
  explicit SqliteStore(const SqliteOptions& options);

  SqliteOptions options_;
  ConnectionPool<SqliteConnection> pool_;
};

}  // namespace wasl::storage
