#pragma once

// The deepest nesting of JSON arrays and objects in a text, found by one scan
// that skips strings (and escapes inside them) and builds nothing. Routes that
// take JSON from outside refuse a body deeper than kMaxJsonDepth before any
// parser, copy or dump() sees it. The scan does not check that the text is
// JSON; it only bounds what a parser of it would build. It is the SDK's scan
// (wasl/sdk/json_budget.hpp), which the plugins parse provider answers with.

#include <string_view>

namespace wasl::text {

inline constexpr int kMaxJsonDepth = 32;

// Thread-safe; O(text.size()), no allocation.
int json_nesting_depth(std::string_view text);

}  // namespace wasl::text
