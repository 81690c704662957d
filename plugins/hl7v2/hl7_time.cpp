#include "plugins/hl7v2/hl7_time.hpp"

#include <chrono>

#include <date/date.h>

namespace wasl::plugins::hl7v2 {

namespace {

// `count` digits at `pos` of `text` as a number; false when they are not.
bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// The length of the leading run of digits of `text`.
std::size_t digit_run(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
  return n;
}

bool valid_date(int year, int month, int day) {
  return date::year_month_day(date::year(year), date::month(static_cast<unsigned>(month)),
                              date::day(static_cast<unsigned>(day)))
      .ok();
}

}  // namespace

std::optional<std::int64_t> parse_hl7_time(std::string_view text, int default_offset_minutes) {
  const std::size_t run = digit_run(text);
  if (run < 4 || run > 14 || run % 2 != 0) return std::nullopt;
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  digits(text, 0, 4, year);
  if (run >= 6) digits(text, 4, 2, month);
  if (run >= 8) digits(text, 6, 2, day);
  if (run >= 10) digits(text, 8, 2, hour);
  if (run >= 12) digits(text, 10, 2, minute);
  if (run >= 14) digits(text, 12, 2, second);
  if (month < 1 || month > 12 || !valid_date(year, month, day) || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  std::size_t pos = run;
  std::int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    if (run != 14) return std::nullopt;
    const std::size_t fraction = digit_run(text.substr(pos + 1));
    if (fraction < 1 || fraction > 4) return std::nullopt;
    int scale = 100;
    for (std::size_t i = 0; i < fraction && i < 3; ++i) {
      millis += (text[pos + 1 + i] - '0') * scale;
      scale /= 10;
    }
    pos += 1 + fraction;
  }
  int offset = default_offset_minutes;
  if (pos < text.size()) {
    int zh = 0, zm = 0;
    if ((text[pos] != '+' && text[pos] != '-') || pos + 5 != text.size() ||
        !digits(text, pos + 1, 2, zh) || !digits(text, pos + 3, 2, zm) || zm > 59 ||
        zh * 60 + zm > 14 * 60) {
      return std::nullopt;
    }
    offset = (text[pos] == '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const date::sys_days days = date::year(year) / date::month(static_cast<unsigned>(month)) /
                              date::day(static_cast<unsigned>(day));
  const std::int64_t local_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(days.time_since_epoch()).count() +
      ((hour * 60 + minute) * 60 + second) * std::int64_t{1000} + millis;
  return local_ms - static_cast<std::int64_t>(offset) * 60000;
}

std::optional<std::string> hl7_date_to_fhir(std::string_view text) {
  const std::size_t run = digit_run(text);
  if (run < 4 || run % 2 != 0 || run > 14) return std::nullopt;
  if (run < text.size() && text[run] != '.' && text[run] != '+' && text[run] != '-') {
    return std::nullopt;
  }
  int year = 0, month = 1, day = 1;
  digits(text, 0, 4, year);
  if (run >= 6) digits(text, 4, 2, month);
  if (run >= 8) digits(text, 6, 2, day);
  if (month < 1 || month > 12 || !valid_date(year, month, day)) return std::nullopt;
  std::string out(text.substr(0, 4));
  if (run >= 6) out += "-" + std::string(text.substr(4, 2));
  if (run >= 8) out += "-" + std::string(text.substr(6, 2));
  return out;
}

std::string format_hl7_time(std::int64_t epoch_ms, int offset_minutes, bool with_offset) {
  const auto local = date::sys_time<std::chrono::milliseconds>(
      std::chrono::milliseconds(epoch_ms + static_cast<std::int64_t>(offset_minutes) * 60000));
  std::string out = date::format("%Y%m%d%H%M%S", date::floor<std::chrono::seconds>(local));
  if (!with_offset) return out;
  const int magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  out += offset_minutes < 0 ? '-' : '+';
  out += static_cast<char>('0' + magnitude / 600 % 10);
  out += static_cast<char>('0' + magnitude / 60 % 10);
  out += static_cast<char>('0' + magnitude % 60 / 10);
  out += static_cast<char>('0' + magnitude % 10);
  return out;
}

}  // namespace wasl::plugins::hl7v2
