// Parses the UTC timestamps AWS answers ("2024-05-01T10:20:30Z",
// "2024-05-01T10:20:30.123Z", "+00:00" offsets included) into milliseconds
// since the Unix epoch. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wasl::plugins::chime {

// std::nullopt for anything that is not such a timestamp (EventBridge's
// documentation placeholder "yyyy-mm-ddThh:mm:ssZ" included).
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

}  // namespace wasl::plugins::chime
