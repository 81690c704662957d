#include "hub/notifications/quiet_hours.hpp"

#include "hub/calendar/civil_time.hpp"

namespace wasl::notifications {
namespace {

std::optional<int> minute_of(std::string_view hhmm) {
  if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (hhmm[i] < '0' || hhmm[i] > '9') return std::nullopt;
  }
  const int hour = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
  const int minute = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
  if (hour > 23 || minute > 59) return std::nullopt;
  return hour * 60 + minute;
}

// The instant the wall clock of `zone` shows `minute` on the civil day of
// `day`, or on the day after it.
sdk::Result<std::int64_t> at_minute(const calendar::CivilTime& day, int minute, bool next_day,
                                    std::string_view zone) {
  calendar::CivilTime date = day;
  if (next_day) {
    // Noon of the day plus 24 hours is on the next civil day whatever
    // daylight-saving change happens in between.
    calendar::CivilTime noon = day;
    noon.hour = 12;
    noon.minute = 0;
    noon.second = 0;
    WASL_ASSIGN_OR_RETURN(std::int64_t noon_ms, calendar::instant_of(noon, zone));
    WASL_ASSIGN_OR_RETURN(date, calendar::civil_time(noon_ms + 24LL * 3600 * 1000, zone));
  }
  date.hour = minute / 60;
  date.minute = minute % 60;
  date.second = 0;
  return calendar::instant_of(date, zone);
}

}  // namespace

sdk::Result<QuietHours> QuietHours::parse(std::string_view start, std::string_view end) {
  auto s = minute_of(start);
  auto e = minute_of(end);
  if (!s || !e) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "quiet hours must be HH:MM to HH:MM",
                      false);
  }
  QuietHours q;
  q.start_minute_ = *s;
  q.end_minute_ = *e;
  return q;
}

sdk::Result<std::optional<std::int64_t>> QuietHours::until(std::int64_t at_ms,
                                                           std::string_view zone) const {
  if (start_minute_ == end_minute_) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(calendar::CivilTime now, calendar::civil_time(at_ms, zone));
  const int minute = now.hour * 60 + now.minute;
  bool quiet = false;
  bool ends_tomorrow = false;
  if (start_minute_ < end_minute_) {  // within one day: 01:00-05:00
    quiet = minute >= start_minute_ && minute < end_minute_;
  } else if (minute >= start_minute_) {  // across midnight, before it: 22:00-08:00 at 23:10
    quiet = true;
    ends_tomorrow = true;
  } else {  // across midnight, after it: at 06:30
    quiet = minute < end_minute_;
  }
  if (!quiet) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(std::int64_t end, at_minute(now, end_minute_, ends_tomorrow, zone));
  // A gap can put the end's wall time before `at_ms` (a skipped hour);
  // the window then ends at once.
  return std::optional<std::int64_t>(end > at_ms ? end : at_ms);
}

}  // namespace wasl::notifications
