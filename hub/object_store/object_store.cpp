#include "hub/object_store/object_store.hpp"

#include <algorithm>

namespace wasl::object_store {

namespace {

constexpr std::size_t kMaxKeySize = 1024;
constexpr std::size_t kMaxComponentSize = 128;

bool is_valid_component(std::string_view c) {
  if (c.empty() || c.size() > kMaxComponentSize || c == "." || c == "..") return false;
  return std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
  });
}

}  // namespace

bool is_valid_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeySize) return false;
  while (true) {
    const std::size_t slash = key.find('/');
    if (!is_valid_component(key.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    key.remove_prefix(slash + 1);
  }
}

sdk::Error invalid_key(std::string_view key) {
  std::string shown(key.substr(0, 200));
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "'" + shown +
                        "' is not an object key: '/'-separated names of letters, digits, '.', "
                        "'_' and '-', none of them '.' or '..'",
                    false);
}

}  // namespace wasl::object_store
