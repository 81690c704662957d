#include "hub/clinical/prescription_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/records/records_database.hpp"

namespace wasl::clinical {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;
using records::testing::RecordsDatabaseTest;

class PrescriptionStoreTest : public RecordsDatabaseTest {
 protected:
  static Prescription drafted(const std::string& id) {
    Prescription p;
    p.id = id;
    p.facility_id = kFacilityA;
    p.consultation_id = "c-1";
    p.details.medication_system = "http://www.whocc.no/atc";
    p.details.medication_code = "N02BE01";
    p.details.medication_text = "Paracetamol 500 mg";
    p.details.quantity = 15;
    p.details.refills = 2;
    p.details.instructions = "قرص كل ثماني ساعات";
    p.author = {"apikey:k1", "Practitioner/3"};
    p.created_at = 10;
    p.updated_at = 10;
    return p;
  }
};

TEST_P(PrescriptionStoreTest, SignedThenCancelledOnceAndKept) {
  PrescriptionStore prescriptions(*cipher_);
  auto tx = begin();
  ASSERT_TRUE(prescriptions.insert(*tx, drafted("r-1")).ok());
  EXPECT_EQ(prescriptions.get(*tx, kFacilityA, "c-1", "r-1")->details, drafted("r-1").details);
  EXPECT_EQ(prescriptions.get(*tx, kFacilityB, "c-1", "r-1").error().code,
            sdk::ErrorCode::kNotFound);
  EXPECT_EQ(prescriptions.cancel(*tx, kFacilityB, "c-1", "r-1", "apikey:b", "no", 20).error().code,
            sdk::ErrorCode::kNotFound);
  ASSERT_TRUE(prescriptions.sign(*tx, kFacilityA, "c-1", "r-1", 20).ok());
  EXPECT_EQ(prescriptions.sign(*tx, kFacilityA, "c-1", "r-1", 21).error().code,
            sdk::ErrorCode::kFailedPrecondition);
  auto cancelled = prescriptions.cancel(*tx, kFacilityA, "c-1", "r-1", "apikey:k2", "allergy", 30);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, RecordStatus::kCancelled);
  EXPECT_EQ(cancelled->signed_at, 20);
  EXPECT_EQ(cancelled->cancelled_at, 30);
  EXPECT_EQ(cancelled->cancelled_by, "apikey:k2");
  EXPECT_EQ(cancelled->cancel_reason, "allergy");
  EXPECT_EQ(
      prescriptions.cancel(*tx, kFacilityA, "c-1", "r-1", "apikey:k2", "again", 40).error().code,
      sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(prescriptions.sign(*tx, kFacilityA, "c-1", "r-1", 40).error().code,
            sdk::ErrorCode::kFailedPrecondition);
  auto all = prescriptions.list(*tx, kFacilityA, "c-1");
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].cancel_reason, "allergy");
  EXPECT_TRUE(prescriptions.list(*tx, kFacilityB, "c-1")->empty());
}

WASL_RECORDS_INSTANTIATE(PrescriptionStoreTest);

}  // namespace
}  // namespace wasl::clinical
