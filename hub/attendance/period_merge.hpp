// merge_periods: a participant's presence periods from its join and leave
// marks, whatever order, repetition or delay they arrived with.
//
// The marks are sorted by time. A join opens a period unless one is open; a
// leave closes the open one and is ignored when none is. Marks at the same
// instant are a blip that leaves the state as it was (a reconnection within
// the millisecond stays one period; a join and leave of someone outside
// leaves nothing). Nothing opens at or after the room's end, and a period
// still open then ends there. Periods of no length are dropped and touching
// or overlapping ones merged, so the answer is ordered and non-overlapping.
//
// union_periods merges the periods of several connections of one person
// (two devices, a provider id renewed) the same way.
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "hub/attendance/attendance_store.hpp"

namespace wasl::attendance {

struct TimedMark {
  std::int64_t at_ms = 0;
  AttendanceMark mark = AttendanceMark::kJoin;  // kJoin or kLeave; kRoomEnd is ignored here
};

// `room_end_ms` 0: the room has not ended (a period may stay open, end_ms 0).
std::vector<Period> merge_periods(std::vector<TimedMark> marks, std::int64_t room_end_ms);

// The union of `periods` (any order, open ones with end_ms 0 reaching past
// every closed one), ordered and non-overlapping.
std::vector<Period> union_periods(std::vector<Period> periods);

}  // namespace wasl::attendance
