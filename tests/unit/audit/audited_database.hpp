// AuditedDatabase: a fresh database on one backend with every migration
// applied, for the audit and access tests. PostgreSQL comes from the ctest
// fixture; a missing server fails the test, it never skips it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"
#include "tests/unit/storage/status_matchers.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::audit::testing {

class AuditedDatabaseTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    auto db =
        storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    auto store = db_->open({.pool_size = 6, .timeout = std::chrono::milliseconds(20000)});
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    // Already migrated (create copied or migrated it): the hub's migrator must
    // find nothing to apply and succeed.
    auto migrated = storage::migrate(*store_, storage::embedded_migrations(GetParam()));
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    EXPECT_TRUE(migrated->applied.empty());
  }

  void TearDown() override {
    store_.reset();
    db_.reset();
  }

  // Runs statements outside Wasl's code, as someone with database access would.
  void exec_raw(const std::string& sql, const storage::Params& params = {}) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    auto r = (*tx)->exec(sql, params);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.error().message;
    ASSERT_OK((*tx)->commit());
  }

  std::int64_t scalar(const std::string& sql, const storage::Params& params = {}) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok()) << tx.error().message;
    if (!tx.ok()) return -1;
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << sql << ": " << (rows.ok() ? "" : rows.error().message);
    if (!rows.ok() || rows->empty()) return -1;
    auto v = (*rows)[0].get_int(0);
    EXPECT_TRUE(v.ok()) << sql;
    return v.value_or(-1);
  }

  void add_facility(const std::string& id) {
    exec_raw("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ($1, $2, 1, 1)",
             {id, "Facility " + id});
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<storage::Store> store_;
};

inline std::string dialect_param_name(const ::testing::TestParamInfo<storage::Dialect>& info) {
  return std::string(storage::to_string(info.param));
}

}  // namespace wasl::audit::testing
