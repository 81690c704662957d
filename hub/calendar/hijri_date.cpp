#include "hub/calendar/hijri_date.hpp"

#include <cstdio>
#include <memory>

#include <unicode/calendar.h>
#include <unicode/timezone.h>

#include "hub/calendar/civil_time.hpp"

namespace wasl::calendar {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

std::string to_string(const HijriDate& date) {
  char text[24];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year, date.month, date.day);
  return text;
}

Result<HijriDate> umm_al_qura_date(std::int64_t instant_ms, std::string_view zone) {
  if (!is_time_zone(zone)) {
    return Error(ErrorCode::kInvalidArgument,
                 "'" + std::string(zone) + "' is not an IANA time zone (e.g. Asia/Riyadh)", false);
  }
  icu::TimeZone* tz = icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(
      icu::StringPiece(zone.data(), static_cast<int32_t>(zone.size()))));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::Calendar> cal(
      icu::Calendar::createInstance(tz, icu::Locale("en@calendar=islamic-umalqura"), status));
  if (U_FAILURE(status) || !cal || std::string_view(cal->getType()) != "islamic-umalqura") {
    return Error(ErrorCode::kInternal, "ICU has no islamic-umalqura calendar");
  }
  cal->setTime(static_cast<UDate>(instant_ms), status);
  HijriDate date;
  date.year = cal->get(UCAL_EXTENDED_YEAR, status);
  date.month = cal->get(UCAL_MONTH, status) + 1;
  date.day = cal->get(UCAL_DATE, status);
  if (U_FAILURE(status)) {
    return Error(ErrorCode::kInvalidArgument,
                 "instant " + std::to_string(instant_ms) + " is outside ICU's calendar range",
                 false);
  }
  return date;
}

}  // namespace wasl::calendar
