// Umm al-Qura Hijri dates (the Saudi civil calendar), from ICU's
// "islamic-umalqura" calendar: the Hijri date of the civil day an instant
// falls on in a time zone. ICU's Umm al-Qura table covers 1300–1600 AH;
// outside it ICU answers the arithmetic Islamic calendar, which this
// wrapper passes on as is. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::calendar {

struct HijriDate {
  int year = 0;
  int month = 0;  // 1 = Muharram … 9 = Ramadan … 12 = Dhu al-Hijjah
  int day = 0;
  bool operator==(const HijriDate&) const = default;
};

// "1446-09-01".
std::string to_string(const HijriDate& date);

// The Umm al-Qura date of the day `instant_ms` falls on in `zone` (an IANA
// id; unknown: kInvalidArgument).
sdk::Result<HijriDate> umm_al_qura_date(std::int64_t instant_ms, std::string_view zone);

}  // namespace wasl::calendar
