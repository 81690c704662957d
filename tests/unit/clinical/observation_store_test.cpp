#include "hub/clinical/observation_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/records/records_database.hpp"

namespace wasl::clinical {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;
using records::testing::RecordsDatabaseTest;

class ObservationStoreTest : public RecordsDatabaseTest {
 protected:
  static VitalObservation taken(const std::string& id, std::int64_t at) {
    VitalObservation o;
    o.id = id;
    o.facility_id = kFacilityA;
    o.consultation_id = "c-1";
    o.kind = VitalKind::kBodyTemperature;
    o.code = "8310-5";
    o.reported_by = Reporter::kPatient;
    o.posted_by = {"apikey:h1", std::nullopt};
    o.value.unit = "[degF]";
    o.value.value = 101.3;
    o.effective_at = at;
    o.created_at = 100;
    return o;
  }
};

TEST_P(ObservationStoreTest, KeptAsGivenInTheFacilityAndInTheOrderTaken) {
  ObservationStore observations(*cipher_);
  auto tx = begin();
  ASSERT_TRUE(observations.insert(*tx, taken("o-2", 50)).ok());
  VitalObservation bp = taken("o-1", 40);
  bp.kind = VitalKind::kBloodPressure;
  bp.code = "85354-9";
  bp.reported_by = Reporter::kClinician;
  bp.posted_by = {"apikey:c1", "Practitioner/3"};
  bp.value = {"mm[Hg]", std::nullopt, 132, 85};
  ASSERT_TRUE(observations.insert(*tx, bp).ok());
  auto one = observations.get(*tx, kFacilityA, "c-1", "o-2");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->value, taken("o-2", 50).value);
  EXPECT_EQ(one->kind, VitalKind::kBodyTemperature);
  EXPECT_EQ(one->reported_by, Reporter::kPatient);
  EXPECT_FALSE(one->posted_by.practitioner.has_value());
  EXPECT_EQ(observations.get(*tx, kFacilityB, "c-1", "o-2").error().code,
            sdk::ErrorCode::kNotFound);
  EXPECT_EQ(observations.get(*tx, kFacilityA, "c-2", "o-2").error().code,
            sdk::ErrorCode::kNotFound);
  auto all = observations.list(*tx, kFacilityA, "c-1");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "o-1");
  EXPECT_EQ((*all)[0].value, bp.value);
  EXPECT_EQ((*all)[0].posted_by.practitioner, "Practitioner/3");
  EXPECT_TRUE(observations.list(*tx, kFacilityB, "c-1")->empty());
  auto rows = tx->query("SELECT value_enc FROM vital_observations WHERE id = $1", {"o-2"});
  ASSERT_TRUE(rows.ok());
  auto sealed = rows->front().get_blob(0);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("101.3"), std::string::npos);
  EXPECT_EQ(sealed->find("degF"), std::string::npos);
}

WASL_RECORDS_INSTANTIATE(ObservationStoreTest);

}  // namespace
}  // namespace wasl::clinical
