// Duration: the one textual form of a time span, in workflow files and the
// hub configuration ("250ms", "5s", "2m", "1h", "7d"): a whole number
// directly followed by one unit.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::text {

// Parses `text`. Errors (kInvalidArgument, not retryable) carry a sentence
// naming the expected form. Zero ("0s") is accepted; callers that need a
// positive span check it. Values beyond 365 days are refused.
sdk::Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest exact textual form of `span` ("90s" stays "90s", 60000ms is "1m").
std::string format_duration(std::chrono::milliseconds span);

}  // namespace wasl::text
