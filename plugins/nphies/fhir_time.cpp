#include "plugins/nphies/fhir_time.hpp"

#include <cstdio>
#include <ctime>

namespace wasl::plugins::nphies {
namespace {

constexpr std::int64_t kRiyadhOffsetMs = 3 * 3600 * 1000;

std::tm utc_fields(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  if (unix_ms < 0 && unix_ms % 1000 != 0) --seconds;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

std::string ksa_date(std::int64_t unix_ms) {
  std::tm tm = utc_fields(unix_ms + kRiyadhOffsetMs);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return text;
}

std::string ksa_instant(std::int64_t unix_ms) {
  const std::int64_t local = unix_ms + kRiyadhOffsetMs;
  std::tm tm = utc_fields(local);
  int millis = static_cast<int>(((local % 1000) + 1000) % 1000);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+03:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return text;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  // IMF-fixdate only: every HTTP/1.1 server sends it (RFC 9110 §5.6.7).
  if (text.size() != 29 || text.substr(25) != " GMT") return std::nullopt;
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm tm{};
  auto number = [&](std::size_t at, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (text[3] != ',' || text[4] != ' ' || !number(5, 2, day) || text[7] != ' ' ||
      !number(12, 4, year) || text[16] != ' ' || !number(17, 2, hour) || text[19] != ':' ||
      !number(20, 2, minute) || text[22] != ':' || !number(23, 2, second)) {
    return std::nullopt;
  }
  auto month = kMonths.find(text.substr(8, 3));
  if (month == std::string_view::npos || month % 3 != 0 || text[11] != ' ') return std::nullopt;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  tm.tm_mday = day;
  tm.tm_mon = static_cast<int>(month / 3);
  tm.tm_year = year - 1900;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

}  // namespace wasl::plugins::nphies
