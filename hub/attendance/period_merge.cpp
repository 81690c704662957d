#include "hub/attendance/period_merge.hpp"

#include <algorithm>
#include <limits>

namespace wasl::attendance {
namespace {

constexpr std::int64_t kOpenEnd = std::numeric_limits<std::int64_t>::max();

}  // namespace

std::vector<Period> merge_periods(std::vector<TimedMark> marks, std::int64_t room_end_ms) {
  std::stable_sort(marks.begin(), marks.end(),
                   [](const TimedMark& a, const TimedMark& b) { return a.at_ms < b.at_ms; });
  std::vector<Period> periods;
  bool open = false;
  std::int64_t opened_at = 0;
  for (std::size_t i = 0; i < marks.size();) {
    const std::int64_t at = marks[i].at_ms;
    if (room_end_ms > 0 && at >= room_end_ms) break;
    bool joins = false;
    bool leaves = false;
    for (; i < marks.size() && marks[i].at_ms == at; ++i) {
      joins = joins || marks[i].mark == AttendanceMark::kJoin;
      leaves = leaves || marks[i].mark == AttendanceMark::kLeave;
    }
    if (joins && leaves) continue;  // a blip: the state stays as it was
    if (joins && !open) {
      open = true;
      opened_at = at;
    } else if (leaves && open) {
      open = false;
      periods.push_back({opened_at, at});
    }
  }
  if (open) periods.push_back({opened_at, room_end_ms > 0 ? room_end_ms : 0});
  return union_periods(std::move(periods));
}

std::vector<Period> union_periods(std::vector<Period> periods) {
  auto end_of = [](const Period& p) { return p.end_ms == 0 ? kOpenEnd : p.end_ms; };
  std::erase_if(periods, [](const Period& p) { return p.end_ms != 0 && p.end_ms <= p.start_ms; });
  std::sort(periods.begin(), periods.end(), [&](const Period& a, const Period& b) {
    return a.start_ms != b.start_ms ? a.start_ms < b.start_ms : end_of(a) < end_of(b);
  });
  std::vector<Period> out;
  for (const Period& p : periods) {
    if (!out.empty() && p.start_ms <= end_of(out.back())) {
      if (end_of(p) > end_of(out.back())) out.back().end_ms = p.end_ms;
      continue;
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace wasl::attendance
