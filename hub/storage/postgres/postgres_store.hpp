// PostgresStore: the production Store backend on libpqxx.
//
// A pool of up to pool_size connections, opened lazily. Each transaction
// holds one connection and runs BEGIN ISOLATION LEVEL READ COMMITTED
// (kReadWrite) or BEGIN READ ONLY (kReadOnly) on it. A connection found broken
// is closed and replaced (PoolStats::replaced); when the BEGIN itself finds the
// connection broken, begin() reconnects once, so a transaction begun after a
// server restart or a terminated backend succeeds.
//
// Parameters are sent as text, Blob parameters in binary as BYTEA. Result
// cells come back typed by column: integers as int64, float4/8 as double,
// BYTEA as Blob, booleans as 0/1, NULL as monostate, everything else as text.
#pragma once

#include <memory>
#include <string>

#include "hub/storage/connection_pool.hpp"
#include "hub/storage/store.hpp"

namespace wasl::storage {

class PostgresConnection;
class PostgresStatementWatchdog;

// Thread-safe (see Store). Must outlive every transaction it began.
class PostgresStore final : public Store {
 public:
  // Opens one connection to check the URL, server and credentials.
  static sdk::Result<std::unique_ptr<PostgresStore>> open(const PostgresOptions& options);
  ~PostgresStore() override;

  Dialect dialect() const override { return Dialect::kPostgres; }
  sdk::Result<std::unique_ptr<Transaction>> begin(TxMode mode = TxMode::kReadWrite) override;
  sdk::Status ping() override;
  PoolStats pool_stats() const override;

 private:
  explicit PostgresStore(const PostgresOptions& options);

  PostgresOptions options_;
  std::string secret_;  // the password, kept only to remove it from messages
  // Declared before the pool: outlives every connection it may shut down.
  std::unique_ptr<PostgresStatementWatchdog> watchdog_;
  ConnectionPool<PostgresConnection> pool_;
};

}  // namespace wasl::storage
