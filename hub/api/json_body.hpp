// JsonBody: reading a request body as one JSON object, with the checks every
// JSON route shares: UTF-8 only (a charset parameter naming anything else is
// 415), well-formed UTF-8 (400), well-formed JSON nested at most
// kMaxJsonDepth deep (400), and an object at the top (400).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "hub/http/exchange.hpp"
#include "hub/text/json_depth.hpp"

namespace wasl::api {

inline constexpr int kMaxJsonDepth = text::kMaxJsonDepth;

// On success fills `out` and returns nullopt; otherwise returns the problem
// response to send (localized, see api_problem.hpp).
std::optional<http::Response> read_json_object(const http::Request& request, nlohmann::json& out);

// Whether the Content-Type's charset parameter, if any, names UTF-8.
bool charset_is_utf8(const http::Request& request);

}  // namespace wasl::api
