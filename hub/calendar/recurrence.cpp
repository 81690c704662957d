#include "hub/calendar/recurrence.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include "hub/calendar/civil_time.hpp"

namespace wasl::calendar {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

constexpr std::size_t kMaxText = 200;
constexpr int kLookBackDays = 366 * 5 + 2;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

struct Field {
  const char* name;
  int low;
  int high;
  const std::array<std::string_view, 12>* names;  // names[i] = low + i, or null
};

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 12> kDayNames = {"sun", "mon", "tue", "wed",
                                                        "thu", "fri", "sat"};

constexpr std::array<Field, 5> kFields = {{{"minute", 0, 59, nullptr},
                                           {"hour", 0, 23, nullptr},
                                           {"day of month", 1, 31, nullptr},
                                           {"month", 1, 12, &kMonthNames},
                                           {"day of week", 0, 7, &kDayNames}}};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A number or (for months and weekdays) a name.
Result<int> value_of(std::string_view token, const Field& field) {
  if (token.empty()) return invalid(std::string("cron ") + field.name + ": empty value");
  if (std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (token.size() > 2) {
      return invalid(std::string("cron ") + field.name + ": " + std::string(token) +
                     " is out of range " + std::to_string(field.low) + "-" +
                     std::to_string(field.high));
    }
    int v = std::stoi(std::string(token));
    if (v < field.low || v > field.high) {
      return invalid(std::string("cron ") + field.name + ": " + std::string(token) +
                     " is out of range " + std::to_string(field.low) + "-" +
                     std::to_string(field.high));
    }
    return v;
  }
  if (field.names != nullptr) {
    std::string name = lower(token);
    for (std::size_t i = 0; i < field.names->size(); ++i) {
      if (!(*field.names)[i].empty() && (*field.names)[i] == name) {
        return field.low + static_cast<int>(i);
      }
    }
  }
  return invalid(std::string("cron ") + field.name + ": '" + std::string(token) +
                 "' is not a number" + (field.names != nullptr ? " or a name" : ""));
}

// Sets the bits of one field's comma list in `bits` (indexed by value).
Result<bool> parse_field(std::string_view text, const Field& field, std::vector<bool>& bits) {
  bits.assign(static_cast<std::size_t>(field.high) + 1, false);
  bool star = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view s = item.substr(slash + 1);
      if (s.empty() || s.size() > 2 ||
          !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoi(std::string(s)) == 0) {
        return invalid(std::string("cron ") + field.name + ": step '" + std::string(s) +
                       "' must be a whole number from 1 to 99");
      }
      step = std::stoi(std::string(s));
      item = item.substr(0, slash);
    }
    int low = field.low, high = field.high;
    if (item == "*") {
      star = step == 1;
    } else if (auto dash = item.find('-'); dash != std::string_view::npos) {
      WASL_ASSIGN_OR_RETURN(low, value_of(item.substr(0, dash), field));
      WASL_ASSIGN_OR_RETURN(high, value_of(item.substr(dash + 1), field));
      if (low > high) {
        return invalid(std::string("cron ") + field.name + ": range '" + std::string(item) +
                       "' runs backwards");
      }
    } else {
      WASL_ASSIGN_OR_RETURN(low, value_of(item, field));
      if (step == 1) high = low;  // "a/s" runs from a to the field's end
    }
    for (int v = low; v <= high; v += step) bits[static_cast<std::size_t>(v)] = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return star;
}

template <std::size_t N>
void copy_bits(const std::vector<bool>& from, std::bitset<N>& to) {
  for (std::size_t i = 0; i < N && i < from.size(); ++i) to[i] = from[i];
}

bool two_digits(std::string_view text, int& out) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
    return false;
  }
  out = (text[0] - '0') * 10 + (text[1] - '0');
  return true;
}

// "HH:MM" after "at ".
Result<std::pair<int, int>> time_of_day(std::string_view text, std::string_view whole) {
  int h = 0, m = 0;
  if (text.size() != 5 || text[2] != ':' || !two_digits(text.substr(0, 2), h) ||
      !two_digits(text.substr(3, 2), m) || h > 23 || m > 59) {
    return invalid("every '" + std::string(whole) +
                   "': the time after 'at' must be HH:MM (00:00 to 23:59)");
  }
  return std::make_pair(h, m);
}

Recurrence all_days(std::string_view text) {
  Recurrence r;
  r.text = std::string(text);
  for (int d = 1; d <= 31; ++d) r.days[static_cast<std::size_t>(d)] = true;
  for (int m = 1; m <= 12; ++m) r.months[static_cast<std::size_t>(m)] = true;
  r.weekdays.set();
  return r;
}

}  // namespace

Result<Recurrence> parse_cron(std::string_view text) {
  if (text.size() > kMaxText) return invalid("cron expression is longer than 200 characters");
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) parts.push_back(text.substr(i, j - i));
    i = j;
  }
  if (parts.size() != 5) {
    return invalid("cron '" + std::string(text) + "' has " + std::to_string(parts.size()) +
                   " fields; it needs 5: minute hour day-of-month month day-of-week "
                   "(e.g. \"0 2 * * *\")");
  }
  Recurrence r;
  r.text = std::string(text);
  std::vector<bool> bits;
  WASL_ASSIGN_OR_RETURN(bool star, parse_field(parts[0], kFields[0], bits));
  copy_bits(bits, r.minutes);
  WASL_ASSIGN_OR_RETURN(star, parse_field(parts[1], kFields[1], bits));
  copy_bits(bits, r.hours);
  WASL_ASSIGN_OR_RETURN(r.every_day_of_month, parse_field(parts[2], kFields[2], bits));
  copy_bits(bits, r.days);
  WASL_ASSIGN_OR_RETURN(star, parse_field(parts[3], kFields[3], bits));
  copy_bits(bits, r.months);
  WASL_ASSIGN_OR_RETURN(r.every_weekday, parse_field(parts[4], kFields[4], bits));
  if (bits[7]) bits[0] = true;  // 7 is Sunday too
  copy_bits(bits, r.weekdays);
  (void)star;
  return r;
}

Result<Recurrence> parse_every(std::string_view text) {
  if (text.size() > kMaxText) return invalid("every is longer than 200 characters");
  const std::string forms =
      " (expected <N>m, <N>h, 1d, 1d at HH:MM, 1mo or 1mo at HH:MM, e.g. \"1d at 02:00\")";
  std::string_view interval = text, at;
  if (auto pos = text.find(" at "); pos != std::string_view::npos) {
    interval = text.substr(0, pos);
    at = text.substr(pos + 4);
    while (!at.empty() && at.front() == ' ') at.remove_prefix(1);
  }
  while (!interval.empty() && interval.back() == ' ') interval.remove_suffix(1);
  std::size_t digits = 0;
  while (digits < interval.size() && interval[digits] >= '0' && interval[digits] <= '9') ++digits;
  if (digits == 0 || digits > 3)
    return invalid("every '" + std::string(text) + "' is not understood" + forms);
  const int n = std::stoi(std::string(interval.substr(0, digits)));
  const std::string_view unit = interval.substr(digits);
  Recurrence r = all_days(text);
  if (unit == "m" || unit == "h") {
    if (!at.empty()) {
      return invalid("every '" + std::string(text) + "': 'at' applies only to 1d and 1mo");
    }
    const int whole = unit == "m" ? 60 : 24;
    if (n < 1 || n > whole || whole % n != 0) {
      return invalid("every '" + std::string(text) + "': " + std::to_string(n) + std::string(unit) +
                     " must divide " +
                     (unit == "m" ? "an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)"
                                  : "a day (1, 2, 3, 4, 6, 8, 12, 24)"));
    }
    if (unit == "m") {
      for (int m = 0; m < 60; m += n) r.minutes[static_cast<std::size_t>(m)] = true;
      r.hours.set();
    } else {
      r.minutes[0] = true;
      for (int h = 0; h < 24; h += n) r.hours[static_cast<std::size_t>(h)] = true;
    }
    return r;
  }
  if (unit == "d" || unit == "mo") {
    if (n != 1) {
      return invalid("every '" + std::string(text) + "': only 1" + std::string(unit) +
                     " is supported; use cron for other intervals");
    }
    std::pair<int, int> hm{0, 0};
    if (!at.empty()) {
      WASL_ASSIGN_OR_RETURN(hm, time_of_day(at, text));
    }
    r.minutes[static_cast<std::size_t>(hm.second)] = true;
    r.hours[static_cast<std::size_t>(hm.first)] = true;
    if (unit == "mo") {
      r.days.reset();
      r.days[1] = true;
      r.every_day_of_month = false;
    }
    return r;
  }
  return invalid("every '" + std::string(text) + "' has an unknown unit '" + std::string(unit) +
                 "'" + forms);
}

bool fires_on(const Recurrence& r, int year, int month, int day, int weekday) {
  (void)year;
  if (!r.months[static_cast<std::size_t>(month)]) return false;
  const bool by_day = r.days[static_cast<std::size_t>(day)];
  const bool by_weekday = r.weekdays[static_cast<std::size_t>(weekday)];
  if (!r.every_day_of_month && !r.every_weekday) return by_day || by_weekday;
  return by_day && by_weekday;
}

Result<std::vector<std::int64_t>> firings(const Recurrence& r, std::string_view zone,
                                          std::optional<std::int64_t> after_ms,
                                          std::int64_t until_ms, std::size_t limit) {
  using namespace std::chrono;
  std::vector<std::int64_t> out;
  if (limit == 0) return out;
  WASL_ASSIGN_OR_RETURN(CivilTime until, civil_time(until_ms, zone));
  sys_days date =
      sys_days(year_month_day(year(until.year), month(static_cast<unsigned>(until.month)),
                              day(static_cast<unsigned>(until.day))));
  std::optional<std::int64_t> previous;  // the last instant taken (descending)
  for (int back = 0; back < kLookBackDays; ++back, date -= days(1)) {
    const year_month_day ymd(date);
    const int y = static_cast<int>(ymd.year());
    const int mo = static_cast<int>(static_cast<unsigned>(ymd.month()));
    const int d = static_cast<int>(static_cast<unsigned>(ymd.day()));
    const int wd = static_cast<int>(weekday(date).c_encoding());
    if (after_ms) {
      // The whole day lies at or before after_ms: nothing earlier is wanted.
      WASL_ASSIGN_OR_RETURN(std::int64_t day_end,
                            instant_of(CivilTime{y, mo, d, 23, 59, 59}, zone));
      if (day_end <= *after_ms) break;
    }
    if (!fires_on(r, y, mo, d, wd)) continue;
    for (int h = 23; h >= 0; --h) {
      if (!r.hours[static_cast<std::size_t>(h)]) continue;
      if (back == 0 && h > until.hour + 1) continue;  // later today (an hour's slack for offsets)
      for (int m = 59; m >= 0; --m) {
        if (!r.minutes[static_cast<std::size_t>(m)]) continue;
        WASL_ASSIGN_OR_RETURN(std::int64_t at, instant_of(CivilTime{y, mo, d, h, m, 0}, zone));
        if (at > until_ms) continue;
        if (after_ms && at <= *after_ms) return std::vector<std::int64_t>(out.rbegin(), out.rend());
        if (previous && at >= *previous) continue;  // a gap or a repeated hour mapped it twice
        previous = at;
        out.push_back(at);
        if (out.size() == limit) return std::vector<std::int64_t>(out.rbegin(), out.rend());
      }
    }
  }
  return std::vector<std::int64_t>(out.rbegin(), out.rend());
}

}  // namespace wasl::calendar
