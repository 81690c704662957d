// FHIR dates and instants as NPHIES messages carry them, in Saudi Arabia's
// time (UTC+03:00 all year): sdk::format_iso8601 at that offset, and read
// back with sdk::parse_iso8601. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::plugins::nphies {

// Riyadh's offset from UTC, in minutes.
inline constexpr int kRiyadhOffsetMinutes = 180;

// "2021-10-07" for the day `unix_ms` falls on in Riyadh.
std::string ksa_date(std::int64_t unix_ms);

// "2021-10-07T09:39:10.320+03:00".
std::string ksa_instant(std::int64_t unix_ms);

// A FHIR date ("2021-10-07": its midnight in Riyadh) or dateTime with an
// offset or Z ("2021-10-07T09:39:10.320+03:00") or without one (read in
// Riyadh's time), as Unix milliseconds; nullopt for anything else, partial
// dates ("2021", "2021-10") and dates that do not exist included.
std::optional<std::int64_t> parse_ksa_time(std::string_view text);

}  // namespace wasl::plugins::nphies
