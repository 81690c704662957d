#include "hub/api/json_body.hpp"

#include <utf8.h>

#include <string>

#include "hub/api/api_problem.hpp"
#include "hub/text/json_depth.hpp"

namespace wasl::api {
namespace {

std::string lowercase(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

bool charset_is_utf8(const http::Request& request) {
  auto type = request.header("Content-Type");
  if (!type) return true;
  std::string lower = lowercase(*type);
  auto pos = lower.find("charset=");
  if (pos == std::string::npos) return true;
  std::string value = lower.substr(pos + 8);
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return value == "utf-8" || value == "utf8";
}

std::optional<http::Response> read_json_object(const http::Request& request, nlohmann::json& out) {
  if (!charset_is_utf8(request)) {
    return problem_response(request, 415, MessageId::kCharsetUnsupported);
  }
  if (!utf8::is_valid(request.body.begin(), request.body.end())) {
    return problem_response(request, 400, MessageId::kBodyNotUtf8);
  }
  if (text::json_nesting_depth(request.body) > kMaxJsonDepth) {
    return problem_response(request, 400, MessageId::kBodyNotJson);
  }
  nlohmann::json parsed = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return problem_response(request, 400, MessageId::kBodyNotJson);
  if (!parsed.is_object()) return problem_response(request, 400, MessageId::kBodyNotObject);
  out = std::move(parsed);
  return std::nullopt;
}

}  // namespace wasl::api
