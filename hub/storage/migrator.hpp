// Migrator: applies the numbered SQL files of one dialect in order, each in
// its own transaction, and records them in schema_migrations.
#pragma once

#include <string>
#include <vector>

#include "hub/storage/store.hpp"

namespace wasl::storage {

struct Migration {
  int version = 0;   // NNNN of NNNN_name.sql
  std::string name;  // name part, without .sql
  std::string sql;
};

// The migrations compiled into the binary for a dialect (from
// migrations/<dialect>/), sorted by version.
const std::vector<Migration>& embedded_migrations(Dialect dialect);

struct MigrationReport {
  std::vector<Migration> applied;  // what this call applied, in order
  int current_version = 0;         // the highest applied version afterwards
};

// Applies every migration newer than what schema_migrations records.
// Concurrent callers (two hub processes starting) are safe: on PostgreSQL an
// advisory lock serialises them; on SQLite the write lock does.
// A failing migration rolls back alone and stops the run with its file name.
sdk::Result<MigrationReport> migrate(Store& store, const std::vector<Migration>& migrations);

// Versions not yet applied, without applying them.
sdk::Result<std::vector<Migration>> pending_migrations(Store& store,
                                                       const std::vector<Migration>& migrations);

}  // namespace wasl::storage
