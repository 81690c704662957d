#include "hub/calendar/report_period.hpp"

#include <cstdio>

#include "hub/calendar/civil_time.hpp"

namespace wasl::calendar {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// The period starting on civil date (year, month, day) of `zone`; day is 1
// for a month.
Result<ReportPeriod> period_at(int year, int month, int day, PeriodKind kind,
                               std::string_view zone) {
  CivilTime start{year, month, day};
  CivilTime next = start;
  if (kind != PeriodKind::kMonth && day < days_in_month(year, month)) {
    next.day = day + 1;
  } else {
    next.day = 1;
    next.month = month == 12 ? 1 : month + 1;
    next.year = month == 12 ? year + 1 : year;
  }
  ReportPeriod period;
  period.kind = kind;
  period.time_zone = std::string(zone);
  WASL_ASSIGN_OR_RETURN(period.start_ms, instant_of(start, zone));
  WASL_ASSIGN_OR_RETURN(period.end_ms, instant_of(next, zone));
  char label[24];
  if (kind == PeriodKind::kMonth) {
    std::snprintf(label, sizeof label, "%04d-%02d", year, month);
  } else {
    std::snprintf(label, sizeof label, "%04d-%02d-%02d", year, month, day);
  }
  period.label = label;
  return period;
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::string_view to_string(PeriodKind kind) { return kind == PeriodKind::kMonth ? "month" : "day"; }

std::optional<PeriodKind> parse_period_kind(std::string_view name) {
  if (name == "day") return PeriodKind::kDay;
  if (name == "month") return PeriodKind::kMonth;
  return std::nullopt;
}

Result<ReportPeriod> period_containing(std::int64_t instant_ms, PeriodKind kind,
                                       std::string_view zone) {
  WASL_ASSIGN_OR_RETURN(CivilTime t, civil_time(instant_ms, zone));
  return period_at(t.year, t.month, kind == PeriodKind::kMonth ? 1 : t.day, kind, zone);
}

Result<ReportPeriod> previous_period(const ReportPeriod& period) {
  return period_containing(period.start_ms - 1, period.kind, period.time_zone);
}

Result<ReportPeriod> period_from_label(std::string_view label, std::string_view zone) {
  int year = 0, month = 0, day = 1;
  const bool month_form = label.size() == 7;
  const bool day_form = label.size() == 10;
  bool ok = (month_form || day_form) && digits(label, 0, 4, year) && label[4] == '-' &&
            digits(label, 5, 2, month) && month >= 1 && month <= 12;
  if (ok && day_form) {
    ok = label[7] == '-' && digits(label, 8, 2, day) && day >= 1 &&
         day <= days_in_month(year, month);
  }
  if (!ok || year < 1) {
    return Error(ErrorCode::kInvalidArgument,
                 "'" + std::string(label.substr(0, 32)) +
                     "' is not a period; expected a day YYYY-MM-DD or a month YYYY-MM",
                 false);
  }
  return period_at(year, month, day, month_form ? PeriodKind::kMonth : PeriodKind::kDay, zone);
}

}  // namespace wasl::calendar
