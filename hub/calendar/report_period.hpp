// ReportPeriod: a civil day or month in a time zone, as the half-open span
// of instants [start_ms, end_ms) it covers there. A day in Asia/Riyadh
// starts at 00:00 +03:00, i.e. 21:00 UTC the day before; a month runs from
// 00:00 on its 1st to 00:00 on the next month's 1st. Lengths follow the
// zone (a day with a daylight-saving change is 23 or 25 hours long).
// Thread-safe; values are plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::calendar {

enum class PeriodKind { kDay, kMonth };
std::string_view to_string(PeriodKind kind);  // "day", "month"
std::optional<PeriodKind> parse_period_kind(std::string_view name);

struct ReportPeriod {
  PeriodKind kind = PeriodKind::kDay;
  std::string time_zone;      // IANA id
  std::string label;          // "2025-03-01" (day) or "2025-03" (month), civil in time_zone
  std::int64_t start_ms = 0;  // inclusive
  std::int64_t end_ms = 0;    // exclusive
  bool operator==(const ReportPeriod&) const = default;
};

// The day or month of `zone` that `instant_ms` falls in.
sdk::Result<ReportPeriod> period_containing(std::int64_t instant_ms, PeriodKind kind,
                                            std::string_view zone);

// The period just before `period` (yesterday, last month).
sdk::Result<ReportPeriod> previous_period(const ReportPeriod& period);

// The period a label names: "YYYY-MM-DD" a day, "YYYY-MM" a month.
// kInvalidArgument for any other form or a date that does not exist.
sdk::Result<ReportPeriod> period_from_label(std::string_view label, std::string_view zone);

}  // namespace wasl::calendar
