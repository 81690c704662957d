#include "hub/api/byte_range.hpp"

#include <algorithm>
#include <charconv>

namespace wasl::api {
namespace {

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<ByteRange> parse_byte_range(std::string_view header, std::uint64_t size) {
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix || size == 0) return std::nullopt;
  std::string_view spec = header.substr(kPrefix.size());
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  if (a.empty()) {
    auto suffix = parse_u64(b);
    if (!suffix || *suffix == 0) return std::nullopt;
    std::uint64_t n = std::min(*suffix, size);
    return ByteRange{size - n, size - 1};
  }
  auto first = parse_u64(a);
  if (!first || *first >= size) return std::nullopt;
  if (b.empty()) return ByteRange{*first, size - 1};
  auto last = parse_u64(b);
  if (!last || *last < *first) return std::nullopt;
  return ByteRange{*first, std::min(*last, size - 1)};
}

}  // namespace wasl::api
