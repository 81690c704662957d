// AttendanceStore::usage on both backends: the facility's closed periods
// that start in the window, grouped, their day read in the given zone;
// nothing of another facility; refusals for what it cannot group by.
// (tests/unit/api/attendance_test.cpp compares the API's figures with sums
// computed independently from the periods, for every grouping.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/attendance/attendance_fixture.hpp"

namespace wasl::attendance::testing {
namespace {

using domain::ParticipantRole;
using Row = AttendanceStore::UsageRow;

// 2026-03-01T00:00:00Z.
constexpr std::int64_t kMarch1 = 1'772'323'200'000;
constexpr std::int64_t kHour = 3'600'000;

class AttendanceUsageTest : public AttendanceFixture {
 protected:
  void SetUp() override {
    AttendanceFixture::SetUp();
    if (HasFatalFailure()) return;
    add_consultation("f1", "c1", "RM1", "Practitioner/3");
    add_consultation("f1", "c3", "RM3", "");
    add_consultation("f2", "c2", "RM2", "Practitioner/3");
    add_participant("f1", "c1", "p1", ParticipantRole::kPatient, "att-1");
    add_participant("f1", "c3", "p3", ParticipantRole::kPatient, "att-3");
    add_participant("f2", "c2", "p2", ParticipantRole::kPatient, "att-2");
  }

  std::vector<Row> usage(std::int64_t from, std::int64_t to, std::vector<std::string> group_by,
                         const std::string& zone = "Asia/Riyadh",
                         const std::string& facility = "f1") {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = AttendanceStore(*cipher_).usage(**tx, facility, from, to, group_by, zone);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : std::vector<Row>{};
  }
};

TEST_P(AttendanceUsageTest, ClosedPeriodsStartingInTheWindowOnly) {
  // c1: one period from 22:30 to 23:10 UTC on 1 March (01:30 on 2 March in
  // Riyadh, 17:30 on 1 March in New York), one before the window, one open.
  EXPECT_TRUE(join("att-1", kMarch1 + 22 * kHour + 30 * 60'000, "a"));
  EXPECT_TRUE(leave("att-1", kMarch1 + 23 * kHour + 10 * 60'000, "b"));
  EXPECT_TRUE(join("att-1", kMarch1 - kHour, "c"));  // the day before
  EXPECT_TRUE(leave("att-1", kMarch1 - kHour + 30 * 60'000, "d"));
  EXPECT_TRUE(join("att-3", kMarch1 + 2 * kHour, "e", "f1", "RM3"));  // never left
  // f2's period in the same window.
  EXPECT_TRUE(join("att-2", kMarch1 + kHour, "f", "f2", "RM2"));
  EXPECT_TRUE(leave("att-2", kMarch1 + 2 * kHour, "g", "f2", "RM2"));

  std::vector<Row> all = usage(kMarch1, kMarch1 + 24 * kHour, {});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].attendee_seconds, 40 * 60);
  EXPECT_EQ(all[0].periods, 1);
  EXPECT_EQ(all[0].facility_id, "");

  std::vector<Row> by =
      usage(kMarch1, kMarch1 + 24 * kHour, {"facility", "instance", "practitioner", "day"});
  ASSERT_EQ(by.size(), 1u);
  EXPECT_EQ(by[0].facility_id, "f1");
  EXPECT_EQ(by[0].instance, "video.main");
  EXPECT_EQ(by[0].practitioner_key, "Practitioner/3");
  EXPECT_EQ(by[0].day, "2026-03-02");  // Riyadh's date
  EXPECT_EQ(usage(kMarch1, kMarch1 + 24 * kHour, {"day"}, "America/New_York")[0].day, "2026-03-01");

  // The window before: the earlier period.
  std::vector<Row> before = usage(kMarch1 - 2 * kHour, kMarch1, {"day"});
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].attendee_seconds, 30 * 60);
  EXPECT_EQ(before[0].day, "2026-03-01");  // 02:00 in Riyadh

  // f2 sees its own only.
  std::vector<Row> f2 = usage(kMarch1, kMarch1 + 24 * kHour, {"facility"}, "Asia/Riyadh", "f2");
  ASSERT_EQ(f2.size(), 1u);
  EXPECT_EQ(f2[0].facility_id, "f2");
  EXPECT_EQ(f2[0].attendee_seconds, 3600);

  // A window that ends before it starts holds nothing.
  EXPECT_TRUE(usage(kMarch1, kMarch1, {}).empty());
}

TEST_P(AttendanceUsageTest, RefusesWhatItCannotGroupBy) {
  auto tx = store_->begin(storage::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  AttendanceStore store(*cipher_);
  EXPECT_EQ(store.usage(**tx, "f1", 0, kMarch1, {"patient"}, "Asia/Riyadh").error().code,
            sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(store.usage(**tx, "f1", 0, kMarch1, {"day"}, "Mars/Olympus").error().code,
            sdk::ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, AttendanceUsageTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return std::string(storage::to_string(info.param));
                         });

}  // namespace
}  // namespace wasl::attendance::testing
