// EnumNames: a fixed table of (enum value, wire name) pairs, for to_string
// and parse functions of the domain enums. Internal to hub/domain.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace wasl::domain {

template <typename E, std::size_t N>
struct EnumNames {
  std::array<std::pair<E, std::string_view>, N> entries;

  constexpr std::string_view name(E v) const {
    for (const auto& [e, n] : entries) {
      if (e == v) return n;
    }
    return "unknown";
  }
  constexpr std::optional<E> parse(std::string_view text) const {
    for (const auto& [e, n] : entries) {
      if (n == text) return e;
    }
    return std::nullopt;
  }
};

}  // namespace wasl::domain
