// Recurrence: when a schedule fires, as instants of the wall clock of an IANA
// time zone. Written either as a cron expression or as an `every` phrase:
//
//   cron: five fields, minute hour day-of-month month day-of-week, each `*`,
//     a number, a range `a-b`, a step `*/s`, `a-b/s` or `a/s`, or a comma
//     list of those; months may be jan…dec and weekdays sun…sat (0 or 7 =
//     Sunday). When both day fields are restricted, a day matching either
//     fires (as cron does). "0 2 * * *" = every day at 02:00.
//   every: "<N>m" (N divides 60: at :00, :N, …), "<N>h" (N divides 24: at
//     00:00, N:00, …), "1d" or "1d at HH:MM" (daily, default 00:00), "1mo"
//     or "1mo at HH:MM" (the 1st of each month, default 00:00).
//
// Firings are wall-clock times: "every day at 02:00" in Asia/Riyadh fires at
// 23:00 UTC. A wall time a daylight-saving gap skips fires at the instant just
// after the gap; a repeated one fires once (its first occurrence).
// Parsing is bounded (text longer than 200 characters is refused). Values are
// plain data; functions are thread-safe.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::calendar {

struct Recurrence {
  std::string text;                // as written
  std::bitset<60> minutes;         // 0..59
  std::bitset<24> hours;           // 0..23
  std::bitset<32> days;            // 1..31 (bit 0 unused)
  std::bitset<13> months;          // 1..12 (bit 0 unused)
  std::bitset<7> weekdays;         // 0 = Sunday … 6 = Saturday
  bool every_day_of_month = true;  // the day-of-month field was `*`
  bool every_weekday = true;       // the day-of-week field was `*`
};

// kInvalidArgument with a message naming the field and the value.
sdk::Result<Recurrence> parse_cron(std::string_view text);
sdk::Result<Recurrence> parse_every(std::string_view text);

// True when `r` fires on the civil date (year, month, day); `weekday` 0 = Sunday.
bool fires_on(const Recurrence& r, int year, int month, int day, int weekday);

// The instants (ms since the epoch) at which `r` fires in `zone` within
// (after_ms, until_ms] — or, without after_ms, at or before until_ms — the
// latest `limit` of them, in ascending order. Looks back at most five years
// (a recurrence that fires rarer than that yields nothing). kInvalidArgument
// for an unknown zone.
sdk::Result<std::vector<std::int64_t>> firings(const Recurrence& r, std::string_view zone,
                                               std::optional<std::int64_t> after_ms,
                                               std::int64_t until_ms, std::size_t limit);

}  // namespace wasl::calendar
