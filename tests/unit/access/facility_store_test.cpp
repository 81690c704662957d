// FacilityStore against both stores.
#include "hub/access/facility_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/audit/audited_database.hpp"

namespace wasl::access {
namespace {

using audit::testing::AuditedDatabaseTest;

class FacilityStoreTest : public AuditedDatabaseTest {
 protected:
  void save(const std::string& id, const std::string& name, std::int64_t now) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    ASSERT_OK(FacilityStore::save(**tx, id, name, now));
    ASSERT_OK((*tx)->commit());
  }

  std::string name_of(const std::string& id) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return {};
    auto rows = (*tx)->query("SELECT name FROM facilities WHERE id = $1", {id});
    EXPECT_TRUE(rows.ok() && rows->size() == 1u);
    if (!rows.ok() || rows->empty()) return {};
    return (*rows)[0].get_text(0).value_or("");
  }
};

TEST_P(FacilityStoreTest, AddsANewFacility) {
  save("fac-a", "Clinic A", 100);
  EXPECT_EQ(name_of("fac-a"), "Clinic A");
  EXPECT_EQ(scalar("SELECT created_at FROM facilities WHERE id = 'fac-a'"), 100);
  EXPECT_EQ(scalar("SELECT updated_at FROM facilities WHERE id = 'fac-a'"), 100);
}

TEST_P(FacilityStoreTest, RenamesAFacilityAndKeepsWhenItWasCreated) {
  save("fac-a", "Clinic A", 100);
  save("fac-a", "Clinic A (north)", 200);
  EXPECT_EQ(name_of("fac-a"), "Clinic A (north)");
  EXPECT_EQ(scalar("SELECT created_at FROM facilities WHERE id = 'fac-a'"), 100);
  EXPECT_EQ(scalar("SELECT updated_at FROM facilities WHERE id = 'fac-a'"), 200);
}

TEST_P(FacilityStoreTest, AnUnchangedNameIsNotWritten) {
  save("fac-a", "Clinic A", 100);
  save("fac-a", "Clinic A", 300);
  EXPECT_EQ(scalar("SELECT updated_at FROM facilities WHERE id = 'fac-a'"), 100);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM facilities"), 1);
}

INSTANTIATE_TEST_SUITE_P(Stores, FacilityStoreTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         audit::testing::dialect_param_name);

}  // namespace
}  // namespace wasl::access
