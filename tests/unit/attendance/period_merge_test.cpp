// merge_periods and union_periods: a participant's periods from its marks
// in any order, repeated or late, and the union of several connections.
#include "hub/attendance/period_merge.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace wasl::attendance {
namespace {

constexpr AttendanceMark J = AttendanceMark::kJoin;
constexpr AttendanceMark L = AttendanceMark::kLeave;

using Periods = std::vector<Period>;

TEST(MergePeriods, JoinsOpenAndLeavesClose) {
  EXPECT_EQ(merge_periods({{1000, J}, {61000, L}}, 0), (Periods{{1000, 61000}}));
  EXPECT_EQ(merge_periods({{1000, J}}, 0), (Periods{{1000, 0}}));  // still in the room
  EXPECT_EQ(merge_periods({}, 0), Periods{});
}

TEST(MergePeriods, ADropAndRejoinIsTwoPeriods) {
  EXPECT_EQ(merge_periods({{1000, J}, {61000, L}, {121000, J}, {181500, L}}, 0),
            (Periods{{1000, 61000}, {121000, 181500}}));
}

TEST(MergePeriods, EveryOrderOfTheSameMarksGivesTheSamePeriods) {
  std::vector<TimedMark> marks = {{1000, J}, {61000, L}, {121000, J}, {181500, L}, {240000, J}};
  const Periods expected = {{1000, 61000}, {121000, 181500}, {240000, 0}};
  std::sort(marks.begin(), marks.end(),
            [](const TimedMark& a, const TimedMark& b) { return a.at_ms < b.at_ms; });
  int orders = 0;
  do {
    EXPECT_EQ(merge_periods(marks, 0), expected);
    ++orders;
  } while (std::next_permutation(
      marks.begin(), marks.end(),
      [](const TimedMark& a, const TimedMark& b) { return a.at_ms < b.at_ms; }));
  EXPECT_EQ(orders, 120);
}

TEST(MergePeriods, RepeatedMarksNeverDoubleAPeriod) {
  EXPECT_EQ(merge_periods({{1000, J}, {1000, J}, {5000, J}, {61000, L}, {61000, L}, {70000, L}}, 0),
            (Periods{{1000, 61000}}));
}

TEST(MergePeriods, ALeaveBeforeAnyJoinIsIgnored) {
  EXPECT_EQ(merge_periods({{500, L}, {1000, J}, {2000, L}}, 0), (Periods{{1000, 2000}}));
  EXPECT_EQ(merge_periods({{500, L}}, 0), Periods{});
}

TEST(MergePeriods, TheRoomsEndClosesTheOpenPeriodAndNothingOpensAfterIt) {
  EXPECT_EQ(merge_periods({{1000, J}}, 90000), (Periods{{1000, 90000}}));
  EXPECT_EQ(merge_periods({{1000, J}, {95000, L}}, 90000), (Periods{{1000, 90000}}));
  EXPECT_EQ(merge_periods({{1000, J}, {2000, L}, {90000, J}, {99000, J}}, 90000),
            (Periods{{1000, 2000}}));
  EXPECT_EQ(merge_periods({{90000, J}}, 90000), Periods{});
}

TEST(MergePeriods, MarksAtOneInstantLeaveTheStateAsItWas) {
  // A reconnection within the millisecond: one period.
  EXPECT_EQ(merge_periods({{1000, J}, {5000, L}, {5000, J}, {9000, L}}, 0),
            (Periods{{1000, 9000}}));
  // A join and a leave of someone outside: nothing.
  EXPECT_EQ(merge_periods({{5000, J}, {5000, L}}, 0), Periods{});
  // Touching periods merge.
  EXPECT_EQ(merge_periods({{1000, J}, {5000, L}, {5000, J}}, 0), (Periods{{1000, 0}}));
}

TEST(UnionPeriods, OverlappingAndTouchingConnectionsMerge) {
  EXPECT_EQ(union_periods({{5000, 9000}, {1000, 6000}, {9000, 12000}, {20000, 30000}}),
            (Periods{{1000, 12000}, {20000, 30000}}));
  EXPECT_EQ(union_periods({{1000, 6000}, {4000, 0}, {50000, 60000}}), (Periods{{1000, 0}}));
  EXPECT_EQ(union_periods({{1000, 1000}, {3000, 2000}}), Periods{});
}

TEST(PeriodSeconds, WholeSecondsOfClosedPeriodsOnly) {
  EXPECT_EQ(period_seconds({1000, 61999}), 60);
  EXPECT_EQ(period_seconds({1000, 2000}), 1);
  EXPECT_EQ(period_seconds({1000, 1999}), 0);
  EXPECT_EQ(period_seconds({1000, 0}), 0);
}

}  // namespace
}  // namespace wasl::attendance
