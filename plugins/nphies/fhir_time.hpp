// FHIR dates and instants as NPHIES messages carry them, in Saudi Arabia's
// time (UTC+03:00 all year), and the HTTP Date header the exchange answers
// with. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::plugins::nphies {

// "2021-10-07" for the day `unix_ms` falls on in Riyadh.
std::string ksa_date(std::int64_t unix_ms);

// "2021-10-07T09:39:10.320+03:00".
std::string ksa_instant(std::int64_t unix_ms);

// An RFC 9110 HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT") as Unix
// milliseconds; nullopt when it is not one.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace wasl::plugins::nphies
