// json_budget.hpp: JSON from outside (a provider's answer, a webhook body, a
// file) parsed within a budget of size and nesting depth, checked before
// nlohmann::json builds anything. nlohmann's parser and destructor are
// iterative, but copying, comparing and dump() recurse once per level: a
// document of about 400 KB of "[[[…" parses, then overflows the stack of
// whoever copies or serialises it next (the mapping's `raw`, the plugin
// glue). Parse every outside body through parse_json_within(); never
// nlohmann::json::parse() it directly. Pure and thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

struct JsonBudget {
  // The largest text accepted, in bytes.
  std::size_t max_bytes = std::size_t{16} << 20;
  // The deepest nesting of arrays and objects accepted; a scalar document is
  // depth 0, `{}` and `[1]` depth 1.
  int max_depth = 32;
};

// The deepest nesting of JSON arrays and objects in `text`, found by one scan
// that skips strings (and escapes inside them) and builds nothing. It does
// not check that the text is JSON; it bounds what a parser of it would build.
// O(text.size()), no allocation.
inline int json_nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// Why `text` does not fit `budget` ("is 20971520 bytes, more than 16777216",
// "nests 40 levels deep, more than 32"), or empty when it fits.
inline std::string json_budget_problem(std::string_view text, const JsonBudget& budget = {}) {
  if (text.size() > budget.max_bytes) {
    return "is " + std::to_string(text.size()) + " bytes, more than " +
           std::to_string(budget.max_bytes);
  }
  const int depth = json_nesting_depth(text);
  if (depth > budget.max_depth) {
    return "nests " + std::to_string(depth) + " levels deep, more than " +
           std::to_string(budget.max_depth);
  }
  return {};
}

// The JSON value of `text`, or a discarded value (is_discarded()) when the
// text is not JSON or does not fit `budget`. Never throws.
inline nlohmann::json parse_json_within(std::string_view text, const JsonBudget& budget = {}) {
  if (!json_budget_problem(text, budget).empty()) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// As parse_json_within(), with the reason: kInvalidArgument (not retryable)
// "<what> is not JSON" or "<what> <json_budget_problem>".
inline Result<nlohmann::json> parse_json_bounded(std::string_view text, std::string_view what,
                                                 const JsonBudget& budget = {}) {
  std::string problem = json_budget_problem(text, budget);
  if (!problem.empty()) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " " + problem, false);
  }
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " is not JSON", false);
  }
  return parsed;
}

}  // namespace wasl::sdk
