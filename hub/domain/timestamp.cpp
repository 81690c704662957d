#include "hub/domain/timestamp.hpp"

#include <chrono>

#include "wasl/sdk/timestamp.hpp"

namespace wasl::domain {

std::string format_timestamp(std::int64_t epoch_ms) { return sdk::format_iso8601(epoch_ms); }

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  return sdk::parse_iso8601(text);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace wasl::domain
