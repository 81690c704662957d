// HL7 v2 time values (DTM, the older TS's first component, DT) read as Unix
// milliseconds or FHIR dates, and written back. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::plugins::hl7v2 {

// "YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]" as Unix milliseconds: the
// parts left out count as their start (month 1, day 1, 00:00:00), fractions
// beyond milliseconds are truncated; without an offset the time is taken at
// `default_offset_minutes` from UTC. std::nullopt for anything else (a date
// that does not exist, an hour of 24, an offset beyond ±14:00).
std::optional<std::int64_t> parse_hl7_time(std::string_view text, int default_offset_minutes);

// A DT or the date of a DTM ("19620315", "196203", "1962", "196203151200")
// as a FHIR date with the same precision ("1962-03-15", "1962-03", "1962");
// std::nullopt when it is not one.
std::optional<std::string> hl7_date_to_fhir(std::string_view text);

// "YYYYMMDDHHMMSS" (the local time at `offset_minutes`) and, with
// `with_offset`, its "+ZZZZ".
std::string format_hl7_time(std::int64_t epoch_ms, int offset_minutes, bool with_offset);

}  // namespace wasl::plugins::hl7v2
