// timestamp.hpp: the text forms of an instant, kept as milliseconds since the
// Unix epoch (UTC):
//  - ISO 8601 / RFC 3339 date-times, "2026-03-01T09:30:00.000Z" or with an
//    offset, "2026-03-01T12:30:00.000+03:00" (FHIR instants, the hub's JSON,
//    provider APIs), and dates, "2026-03-01";
//  - ISO 8601's basic form in UTC, "20260301T093000Z" (AWS's X-Amz-Date);
//  - HTTP-dates (RFC 9110 §5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT" (Date,
//    Retry-After).
// Calendar arithmetic and formatting are HowardHinnant date's (date/date.h,
// header-only: libhowardhinnant-date-dev; find_package(WaslSDK) finds it).
// Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <locale>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

namespace wasl::sdk {

// The forms parse_iso8601() accepts besides an RFC 3339 date-time (a 'T' or
// 't' between date and time, seconds, an optional fraction, then 'Z', 'z' or
// an offset ±hh:mm).
struct Iso8601Forms {
  bool date_only = false;        // "2026-03-01": midnight UTC (FHIR date)
  bool without_offset = false;   // "2026-03-01T09:30:00": read as UTC (FHIR dateTime)
  bool space_separator = false;  // "2026-03-01 09:30:00Z" (RFC 3339 §5.6's note)
};

enum class FractionDigits { kNone, kMilliseconds };

namespace timestamp_detail {

constexpr std::int64_t kMinMs = -62167219200000;  // 0000-01-01T00:00:00.000Z
constexpr std::int64_t kMaxMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

using Millis = date::sys_time<std::chrono::milliseconds>;

inline Millis at(std::int64_t epoch_ms) {
  return Millis(std::chrono::milliseconds(std::clamp(epoch_ms, kMinMs, kMaxMs)));
}

template <typename TimePoint>
std::string format(const char* pattern, const TimePoint& time) {
  return date::format(std::locale::classic(), pattern, time);
}

// The `count` decimal digits at `pos` of `text` as `out`.
inline bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

// Milliseconds of a civil date and time of day in UTC; nullopt for a date
// that does not exist or a time out of range. A leap second (60) counts as
// the second before it.
inline std::optional<std::int64_t> civil_ms(int year, int month, int day, int hour, int minute,
                                            int second) {
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (second == 60) second = 59;
  const std::int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  return (days * 86400 + hour * 3600 + minute * 60 + second) * 1000;
}

// The month of an English three-letter name, "Jan" = 1; 0 for none.
inline int month_number(std::string_view name) {
  constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (name.size() != 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (kMonths.substr(static_cast<std::size_t>(i) * 3, 3) == name) return i + 1;
  }
  return 0;
}

inline bool is_day_name(std::string_view name, bool full) {
  constexpr std::string_view kShort[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  constexpr std::string_view kFull[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
  for (int i = 0; i < 7; ++i) {
    if (name == (full ? kFull[i] : kShort[i])) return true;
  }
  return false;
}

// "hh:mm:ss" at `pos`, or "hh:mm" when `seconds_optional`; advances `pos`.
inline bool time_of_day(std::string_view text, std::size_t& pos, bool seconds_optional, int& hour,
                        int& minute, int& second) {
  if (!digits(text, pos, 2, hour) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !digits(text, pos + 3, 2, minute)) {
    return false;
  }
  pos += 5;
  second = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!digits(text, pos + 1, 2, second)) return false;
    pos += 3;
    return true;
  }
  return seconds_optional;
}

// RFC 5322 date-time, of which IMF-fixdate is one form:
// [day-name ", "] 1*2DIGIT SP month SP 4DIGIT SP hh:mm[:ss] SP zone, where
// zone is GMT, UT, UTC, Z or ±hhmm.
inline std::optional<std::int64_t> parse_rfc5322(std::string_view text) {
  std::size_t pos = 0;
  if (text.size() > 5 && text[3] == ',' && text[4] == ' ') {
    if (!is_day_name(text.substr(0, 3), false)) return std::nullopt;
    pos = 5;
  }
  int day = 0;
  if (!digits(text, pos, 2, day)) {
    if (!digits(text, pos, 1, day)) return std::nullopt;
    pos += 1;
  } else {
    pos += 2;
  }
  if (pos + 4 >= text.size() || text[pos] != ' ' || text[pos + 4] != ' ') return std::nullopt;
  const int month = month_number(text.substr(pos + 1, 3));
  int year = 0;
  if (month == 0 || !digits(text, pos + 5, 4, year) || pos + 9 >= text.size() ||
      text[pos + 9] != ' ') {
    return std::nullopt;
  }
  pos += 10;
  int hour = 0, minute = 0, second = 0;
  if (!time_of_day(text, pos, true, hour, minute, second)) return std::nullopt;
  if (pos >= text.size() || text[pos] != ' ') return std::nullopt;
  const std::string_view zone = text.substr(pos + 1);
  std::int64_t offset_minutes = 0;
  if (zone != "GMT" && zone != "UT" && zone != "UTC" && zone != "Z") {
    int oh = 0, om = 0;
    if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-') || !digits(zone, 1, 2, oh) ||
        !digits(zone, 3, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
  }
  auto ms = civil_ms(year, month, day, hour, minute, second);
  if (!ms) return std::nullopt;
  return *ms - offset_minutes * 60000;
}

// RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year below 70 is
// 20yy, else 19yy.
inline std::optional<std::int64_t> parse_rfc850(std::string_view text) {
  const std::size_t comma = text.find(", ");
  if (comma == std::string_view::npos || !is_day_name(text.substr(0, comma), true)) {
    return std::nullopt;
  }
  const std::string_view rest = text.substr(comma + 2);
  int day = 0, year = 0;
  if (rest.size() != 22 || !digits(rest, 0, 2, day) || rest[2] != '-' || rest[6] != '-' ||
      !digits(rest, 7, 2, year) || rest[9] != ' ' || rest.substr(18) != " GMT") {
    return std::nullopt;
  }
  const int month = month_number(rest.substr(3, 3));
  std::size_t pos = 10;
  int hour = 0, minute = 0, second = 0;
  if (month == 0 || !time_of_day(rest, pos, false, hour, minute, second) || pos != 18) {
    return std::nullopt;
  }
  return civil_ms(year + (year < 70 ? 2000 : 1900), month, day, hour, minute, second);
}

// asctime: "Sun Nov  6 08:49:37 1994".
inline std::optional<std::int64_t> parse_asctime(std::string_view text) {
  if (text.size() != 24 || !is_day_name(text.substr(0, 3), false) || text[3] != ' ' ||
      text[7] != ' ' || text[10] != ' ' || text[19] != ' ') {
    return std::nullopt;
  }
  const int month = month_number(text.substr(4, 3));
  int day = 0, year = 0;
  if (month == 0 || !(text[8] == ' ' ? digits(text, 9, 1, day) : digits(text, 8, 2, day)) ||
      !digits(text, 20, 4, year)) {
    return std::nullopt;
  }
  std::size_t pos = 11;
  int hour = 0, minute = 0, second = 0;
  if (!time_of_day(text, pos, false, hour, minute, second) || pos != 19) return std::nullopt;
  return civil_ms(year, month, day, hour, minute, second);
}

}  // namespace timestamp_detail

// "2026-03-01T09:30:00.000Z" for `epoch_ms` (".000" left out with
// FractionDigits::kNone); with `offset_minutes` other than 0, the local time
// there and its offset: "2026-03-01T12:30:00.000+03:00". Years 0000-9999
// only; outside that range the result is clamped to the nearest
// representable instant.
inline std::string format_iso8601(std::int64_t epoch_ms, int offset_minutes = 0,
                                  FractionDigits fraction = FractionDigits::kMilliseconds) {
  using namespace timestamp_detail;
  const Millis local = at(epoch_ms + static_cast<std::int64_t>(offset_minutes) * 60000);
  std::string out = fraction == FractionDigits::kMilliseconds
                        ? format("%FT%T", local)
                        : format("%FT%T", date::floor<std::chrono::seconds>(local));
  if (offset_minutes == 0) return out + "Z";
  const int magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  out += offset_minutes < 0 ? '-' : '+';
  out += static_cast<char>('0' + magnitude / 600 % 10);
  out += static_cast<char>('0' + magnitude / 60 % 10);
  out += ':';
  out += static_cast<char>('0' + magnitude % 60 / 10);
  out += static_cast<char>('0' + magnitude % 10);
  return out;
}

// "2026-03-01": the calendar date `epoch_ms` falls on at `offset_minutes`
// from UTC.
inline std::string format_iso8601_date(std::int64_t epoch_ms, int offset_minutes = 0) {
  using namespace timestamp_detail;
  return format("%F", date::floor<date::days>(
                          at(epoch_ms + static_cast<std::int64_t>(offset_minutes) * 60000)));
}

// "20260301T093000Z": ISO 8601's basic form, UTC, whole seconds.
inline std::string format_iso8601_basic(std::int64_t epoch_ms) {
  using namespace timestamp_detail;
  return format("%Y%m%dT%H%M%SZ", date::floor<std::chrono::seconds>(at(epoch_ms)));
}

// Parses an ISO 8601 date-time as RFC 3339 writes it ("2026-03-01T09:30:00Z",
// "2026-03-01T12:30:00.5+03:00"), and the further `forms` asked for.
// Fractions beyond milliseconds are truncated; a leap second counts as the
// second before it. std::nullopt for anything else, a date that does not
// exist included.
inline std::optional<std::int64_t> parse_iso8601(std::string_view text, Iso8601Forms forms = {}) {
  using timestamp_detail::digits;
  int year = 0, month = 0, day = 0;
  if (text.size() < 10 || !digits(text, 0, 4, year) || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (text.size() == 10) {
    if (!forms.date_only) return std::nullopt;
    return timestamp_detail::civil_ms(year, month, day, 0, 0, 0);
  }
  const char separator = text[10];
  if (separator != 'T' && separator != 't' && !(forms.space_separator && separator == ' ')) {
    return std::nullopt;
  }
  std::size_t pos = 11;
  int hour = 0, minute = 0, second = 0;
  if (!timestamp_detail::time_of_day(text, pos, false, hour, minute, second)) return std::nullopt;
  auto ms = timestamp_detail::civil_ms(year, month, day, hour, minute, second);
  if (!ms) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t start = ++pos;
    int scale = 100;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      *ms += (text[pos] - '0') * scale;
      scale /= 10;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos == text.size()) {
    if (!forms.without_offset) return std::nullopt;
    return ms;
  }
  if (text[pos] == 'Z' || text[pos] == 'z') {
    return pos + 1 == text.size() ? ms : std::nullopt;
  }
  int oh = 0, om = 0;
  if ((text[pos] != '+' && text[pos] != '-') || pos + 6 != text.size() ||
      !digits(text, pos + 1, 2, oh) || text[pos + 3] != ':' || !digits(text, pos + 4, 2, om) ||
      oh > 23 || om > 59) {
    return std::nullopt;
  }
  return *ms - static_cast<std::int64_t>((oh * 60 + om) * (text[pos] == '-' ? -1 : 1)) * 60000;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate, the form every HTTP/1.1
// sender uses), whole seconds.
inline std::string format_http_date(std::int64_t epoch_ms) {
  using namespace timestamp_detail;
  return format("%a, %d %b %Y %H:%M:%S GMT", date::floor<std::chrono::seconds>(at(epoch_ms)));
}

// Parses an HTTP-date in each form RFC 9110 §5.6.7 has a recipient accept
// (IMF-fixdate, RFC 850, asctime), and the RFC 5322 date-times IMF-fixdate
// is a form of (optional day name and seconds, a numeric zone such as
// "+0000"). std::nullopt for anything else.
inline std::optional<std::int64_t> parse_http_date(std::string_view text) {
  if (auto ms = timestamp_detail::parse_rfc5322(text)) return ms;
  if (auto ms = timestamp_detail::parse_rfc850(text)) return ms;
  return timestamp_detail::parse_asctime(text);
}

}  // namespace wasl::sdk
