#include "hub/calendar/civil_time.hpp"

#include <cstdio>
#include <memory>

#include <unicode/calendar.h>
#include <unicode/gregocal.h>
#include <unicode/timezone.h>

namespace wasl::calendar {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

Error unknown_zone(std::string_view zone) {
  return Error(ErrorCode::kInvalidArgument,
               "'" + std::string(zone) + "' is not an IANA time zone (e.g. Asia/Riyadh)", false);
}

Result<std::unique_ptr<icu::Calendar>> gregorian_in(std::string_view zone) {
  if (!is_time_zone(zone)) return unknown_zone(zone);
  icu::TimeZone* tz = icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(
      icu::StringPiece(zone.data(), static_cast<int32_t>(zone.size()))));
  UErrorCode status = U_ZERO_ERROR;
  // The calendar adopts tz.
  std::unique_ptr<icu::Calendar> cal(
      icu::Calendar::createInstance(tz, icu::Locale("en@calendar=gregorian"), status));
  if (U_FAILURE(status) || !cal) {
    return Error(ErrorCode::kInternal,
                 std::string("ICU could not make a Gregorian calendar: ") + u_errorName(status));
  }
  // Proleptic Gregorian for every date (no Julian switch in 1582).
  if (auto* g = dynamic_cast<icu::GregorianCalendar*>(cal.get())) {
    g->setGregorianChange(-8.64e15, status);
  }
  cal->setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
  cal->setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
  return cal;
}

}  // namespace

bool is_time_zone(std::string_view zone) {
  if (zone.empty() || zone.size() > 64) return false;
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString canonical;
  UBool system = false;
  icu::TimeZone::getCanonicalID(icu::UnicodeString::fromUTF8(icu::StringPiece(
                                    zone.data(), static_cast<int32_t>(zone.size()))),
                                canonical, system, status);
  return U_SUCCESS(status) && system;
}

Result<CivilTime> civil_time(std::int64_t instant_ms, std::string_view zone) {
  WASL_ASSIGN_OR_RETURN(auto cal, gregorian_in(zone));
  UErrorCode status = U_ZERO_ERROR;
  cal->setTime(static_cast<UDate>(instant_ms), status);
  CivilTime t;
  t.year = cal->get(UCAL_EXTENDED_YEAR, status);
  t.month = cal->get(UCAL_MONTH, status) + 1;
  t.day = cal->get(UCAL_DATE, status);
  t.hour = cal->get(UCAL_HOUR_OF_DAY, status);
  t.minute = cal->get(UCAL_MINUTE, status);
  t.second = cal->get(UCAL_SECOND, status);
  t.weekday = cal->get(UCAL_DAY_OF_WEEK, status) - UCAL_SUNDAY;
  if (U_FAILURE(status)) {
    return Error(ErrorCode::kInvalidArgument,
                 "instant " + std::to_string(instant_ms) + " is outside ICU's calendar range",
                 false);
  }
  return t;
}

Result<std::int64_t> instant_of(const CivilTime& time, std::string_view zone) {
  if (time.month < 1 || time.month > 12 || time.day < 1 || time.day > 31 || time.hour < 0 ||
      time.hour > 23 || time.minute < 0 || time.minute > 59 || time.second < 0 ||
      time.second > 59) {
    return Error(ErrorCode::kInvalidArgument,
                 "not a civil time: " + iso_date(time) + " " + std::to_string(time.hour) + ":" +
                     std::to_string(time.minute),
                 false);
  }
  WASL_ASSIGN_OR_RETURN(auto cal, gregorian_in(zone));
  cal->clear();
  cal->set(UCAL_EXTENDED_YEAR, time.year);
  cal->set(UCAL_MONTH, time.month - 1);
  cal->set(UCAL_DATE, time.day);
  cal->set(UCAL_HOUR_OF_DAY, time.hour);
  cal->set(UCAL_MINUTE, time.minute);
  cal->set(UCAL_SECOND, time.second);
  UErrorCode status = U_ZERO_ERROR;
  UDate at = cal->getTime(status);
  // Lenient fields roll over (30 February -> 2 March): a date that does not
  // read back is not a date. (A wall time in a gap moves forward but keeps its date.)
  if (U_FAILURE(status) || cal->get(UCAL_DATE, status) != time.day ||
      cal->get(UCAL_MONTH, status) != time.month - 1) {
    return Error(ErrorCode::kInvalidArgument, "not a date in the calendar: " + iso_date(time),
                 false);
  }
  return static_cast<std::int64_t>(at);
}

Result<std::string> iso8601_in_zone(std::int64_t instant_ms, std::string_view zone) {
  WASL_ASSIGN_OR_RETURN(auto cal, gregorian_in(zone));
  UErrorCode status = U_ZERO_ERROR;
  cal->setTime(static_cast<UDate>(instant_ms), status);
  const int offset_ms = cal->get(UCAL_ZONE_OFFSET, status) + cal->get(UCAL_DST_OFFSET, status);
  CivilTime t;
  t.year = cal->get(UCAL_EXTENDED_YEAR, status);
  t.month = cal->get(UCAL_MONTH, status) + 1;
  t.day = cal->get(UCAL_DATE, status);
  if (U_FAILURE(status) || t.year < 0 || t.year > 9999) {
    return Error(ErrorCode::kInvalidArgument,
                 "instant " + std::to_string(instant_ms) + " has no four-digit year", false);
  }
  char text[40];
  std::snprintf(text, sizeof text, "%sT%02d:%02d:%02d", iso_date(t).c_str(),
                cal->get(UCAL_HOUR_OF_DAY, status), cal->get(UCAL_MINUTE, status),
                cal->get(UCAL_SECOND, status));
  std::string out = text;
  if (offset_ms == 0) return out + "Z";
  const int minutes = (offset_ms < 0 ? -offset_ms : offset_ms) / 60000;
  std::snprintf(text, sizeof text, "%c%02d:%02d", offset_ms < 0 ? '-' : '+', minutes / 60,
                minutes % 60);
  return out + text;
}

std::string iso_date(const CivilTime& time) {
  char text[24];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", time.year, time.month, time.day);
  return text;
}

}  // namespace wasl::calendar
