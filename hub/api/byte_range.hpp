// ByteRange: one HTTP Range header ("bytes=first-last", "bytes=first-",
// "bytes=-suffix") against a resource of `size` bytes, as recording downloads
// serve it. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wasl::api {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

// The inclusive range, or nullopt when it cannot be satisfied. Multiple
// ranges are not served (nullopt as well).
std::optional<ByteRange> parse_byte_range(std::string_view header, std::uint64_t size);

}  // namespace wasl::api
