#include "hub/text/duration.hpp"

#include <cstdint>

namespace wasl::text {
namespace {

constexpr std::int64_t kMaxMs = 365LL * 24 * 3600 * 1000;

sdk::Error bad(std::string_view text) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "'" + std::string(text) +
                        "' is not a duration; expected a whole number and a unit, such as "
                        "250ms, 5s, 2m, 1h or 7d",
                    false);
}

}  // namespace

sdk::Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t i = 0;
  std::int64_t number = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    number = number * 10 + (text[i] - '0');
    if (number > kMaxMs) return bad(text);
    ++i;
  }
  if (i == 0) return bad(text);
  const std::string_view unit = text.substr(i);
  std::int64_t factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60 * 1000;
  else if (unit == "h")
    factor = 3600 * 1000;
  else if (unit == "d")
    factor = 24 * 3600 * 1000;
  else
    return bad(text);
  if (number > kMaxMs / factor) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "duration '" + std::string(text) + "' is longer than 365d", false);
  }
  return std::chrono::milliseconds(number * factor);
}

std::string format_duration(std::chrono::milliseconds span) {
  const std::int64_t ms = span.count();
  struct Unit {
    std::int64_t factor;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {24LL * 3600 * 1000, "d"}, {3600LL * 1000, "h"}, {60LL * 1000, "m"}, {1000, "s"}};
  if (ms != 0) {
    for (const auto& u : kUnits) {
      if (ms % u.factor == 0) return std::to_string(ms / u.factor) + u.name;
    }
  }
  return std::to_string(ms) + "ms";
}

}  // namespace wasl::text
