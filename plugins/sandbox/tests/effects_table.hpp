// read_effect(): one row of a sandbox state file's effects table, read with
// the sqlite3 C API the way an end-to-end test would. Test-only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

namespace wasl::plugins::sandbox::testing {

struct EffectRow {
  std::int64_t calls = 0;
  std::string result;
};

// The row of (method, key), or nullopt when there is none or the file cannot
// be read.
inline std::optional<EffectRow> read_effect(const std::string& state_file,
                                            const std::string& method, const std::string& key) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(state_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return std::nullopt;
  }
  std::optional<EffectRow> row;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT calls, result FROM effects "
                         "WHERE method = ?1 AND idempotency_key = ?2",
                         -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, method.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 1);
      row = EffectRow{sqlite3_column_int64(stmt, 0),
                      text == nullptr ? std::string() : reinterpret_cast<const char*>(text)};
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return row;
}

// How many rows the effects table holds for `method`; -1 when unreadable.
inline std::int64_t count_effects(const std::string& state_file, const std::string& method) {
  sqlite3* db = nullptr;
  std::int64_t count = -1;
  if (sqlite3_open_v2(state_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM effects WHERE method = ?1", -1, &stmt,
                           nullptr) == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, method.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(stmt) == SQLITE_ROW) count = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return count;
}

}  // namespace wasl::plugins::sandbox::testing
