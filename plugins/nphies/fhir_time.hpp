// FHIR dates and instants as NPHIES messages carry them, in Saudi Arabia's
// time (UTC+03:00 all year): sdk::format_iso8601 at that offset. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace wasl::plugins::nphies {

// Riyadh's offset from UTC, in minutes.
inline constexpr int kRiyadhOffsetMinutes = 180;

// "2021-10-07" for the day `unix_ms` falls on in Riyadh.
std::string ksa_date(std::int64_t unix_ms);

// "2021-10-07T09:39:10.320+03:00".
std::string ksa_instant(std::int64_t unix_ms);

}  // namespace wasl::plugins::nphies
