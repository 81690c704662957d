// Timestamps: the hub keeps times as epoch milliseconds (UTC); the JSON wire
// form is RFC 3339 in UTC with milliseconds, e.g. "2026-03-01T09:30:00.000Z".
// The text forms are the SDK's (wasl/sdk/timestamp.hpp), shared with the
// plugins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::domain {

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for `epoch_ms`. Years 0000-9999 only; outside
// that range the result is clamped to the nearest representable instant.
std::string format_timestamp(std::int64_t epoch_ms);

// Parses RFC 3339 ("2026-03-01T09:30:00Z", "2026-03-01T12:30:00.5+03:00",
// lowercase 't'/'z' accepted). Fractions beyond milliseconds are truncated.
// std::nullopt when the text is not a valid RFC 3339 date-time.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

// The current time from the system clock, epoch milliseconds UTC.
std::int64_t now_ms();

}  // namespace wasl::domain
