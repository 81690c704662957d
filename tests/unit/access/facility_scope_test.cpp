#include "hub/access/facility_scope.hpp"

#include <gtest/gtest.h>

#include "tests/unit/audit/audited_database.hpp"

namespace wasl::access {
namespace {

using audit::testing::AuditedDatabaseTest;

TEST(FacilityConditionTest, AppendsTheFacilityAsTheNextParameter) {
  Principal p{"k1", "fac-a", Role::kHospital};
  storage::Params params = {std::string("c-1"), std::int64_t{5}};
  EXPECT_EQ(facility_condition(p, params), "facility_id = $3");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(std::get<std::string>(params[2]), "fac-a");
  EXPECT_EQ(facility_condition(p, params, "c.facility_id"), "c.facility_id = $4");
}

TEST(FacilityConditionDeathTest, RefusesAnUntrustedColumn) {
  Principal p{"k1", "fac-a", Role::kHospital};
  storage::Params params;
  EXPECT_DEATH(facility_condition(p, params, "facility_id OR 1=1"), "");
}

class FacilityScopeTest : public AuditedDatabaseTest {};

TEST_P(FacilityScopeTest, AnotherFacilitysRowIsInvisible) {
  add_facility("fac-a");
  add_facility("fac-b");
  for (const char* f : {"fac-a", "fac-b"}) {
    exec_raw(
        "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
        "updated_at) VALUES ($1, $2, 'scheduled', 'video', 1, 1)",
        {std::string("c-") + f, std::string(f)});
  }
  auto lookup = [&](const Principal& p, const std::string& id) {
    storage::Params params = {id};
    const std::string sql =
        "SELECT COUNT(*) FROM consultations WHERE id = $1 AND " + facility_condition(p, params);
    return scalar(sql, params);
  };
  const Principal a{"k-a", "fac-a", Role::kAdmin};
  const Principal b{"k-b", "fac-b", Role::kAdmin};
  EXPECT_EQ(lookup(a, "c-fac-a"), 1);
  EXPECT_EQ(lookup(a, "c-fac-b"), 0);
  EXPECT_EQ(lookup(b, "c-fac-b"), 1);
  EXPECT_EQ(lookup(b, "c-fac-a"), 0);
  const Principal none{"k-x", "", Role::kAdmin};
  EXPECT_EQ(lookup(none, "c-fac-a"), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, FacilityScopeTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         audit::testing::dialect_param_name);

}  // namespace
}  // namespace wasl::access
