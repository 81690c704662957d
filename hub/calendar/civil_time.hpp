// Civil (wall-clock) time in a named IANA time zone, and the instants it
// maps to, computed by ICU's Gregorian calendar and time zone data.
//
// Instants are milliseconds since the Unix epoch (UTC). Zone names are IANA
// ids ("Asia/Riyadh"); an unknown name is kInvalidArgument naming it. Where
// the zone skips a wall time (a daylight-saving gap) instant_of() answers
// the instant just after the gap; a repeated wall time maps to its first
// occurrence. All functions are thread-safe (each call builds its own ICU
// objects).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::calendar {

inline constexpr std::string_view kDefaultTimeZone = "Asia/Riyadh";

struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int weekday = 4;  // 0 = Sunday … 6 = Saturday (filled by civil_time(); ignored by instant_of())
  bool operator==(const CivilTime&) const = default;
};

// True when ICU knows `zone` as an IANA time zone id.
bool is_time_zone(std::string_view zone);

// The wall-clock time at `instant_ms` in `zone`.
sdk::Result<CivilTime> civil_time(std::int64_t instant_ms, std::string_view zone);

// The instant at which the wall clock of `zone` shows `time` (weekday is
// ignored). kInvalidArgument for a field out of range (month 13, day 32).
sdk::Result<std::int64_t> instant_of(const CivilTime& time, std::string_view zone);

// `instant_ms` as ISO 8601 in `zone` with its offset, to the second:
// "2025-03-01T00:00:00+03:00" ("Z" for a zero offset).
sdk::Result<std::string> iso8601_in_zone(std::int64_t instant_ms, std::string_view zone);

// "2025-03-01" for the civil date of `time`.
std::string iso_date(const CivilTime& time);

}  // namespace wasl::calendar
