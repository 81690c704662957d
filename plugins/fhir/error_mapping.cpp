#include "plugins/fhir/error_mapping.hpp"

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

namespace wasl::plugins::fhir {
namespace {

using sdk::Error;
using sdk::ErrorCode;

// Retry-After in delta-seconds; an HTTP date or garbage is ignored.
std::optional<std::chrono::milliseconds> retry_after(const sdk::HttpResponse& response) {
  std::string value = response.header("Retry-After");
  if (value.empty() || value.size() > 9 ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::strtol(value.c_str(), nullptr, 10));
}

}  // namespace

std::string operation_outcome_summary(std::string_view body) {
  auto outcome = nlohmann::json::parse(body, nullptr, false);
  if (!outcome.is_object() || outcome.value("resourceType", "") != "OperationOutcome") return {};
  auto issues = outcome.find("issue");
  if (issues == outcome.end() || !issues->is_array()) return {};
  std::string out;
  for (const auto& issue : *issues) {
    if (!issue.is_object()) continue;
    std::string text;
    if (auto d = issue.find("details"); d != issue.end() && d->is_object()) {
      text = d->value("text", "");
    }
    if (text.empty()) text = issue.value("diagnostics", "");
    if (text.size() > 200) text.resize(200);
    if (!out.empty()) out += "; ";
    out += issue.value("code", "unknown");
    if (!text.empty()) out += ": " + text;
    if (out.size() > 1000) break;
  }
  return out;
}

Error error_from_response(std::string_view instance, std::string_view what,
                          const sdk::HttpResponse& response) {
  const int status = response.status;
  std::string message =
      std::string(instance) + ": " + std::string(what) + " answered HTTP " + std::to_string(status);
  if (std::string summary = operation_outcome_summary(response.body); !summary.empty()) {
    message += " (" + summary + ")";
  }
  if (status == 404 || status == 410) return Error(ErrorCode::kNotFound, message, false);
  if (status == 401) return Error(ErrorCode::kUnauthenticated, message, false);
  if (status == 403) return Error(ErrorCode::kPermissionDenied, message, false);
  if (status == 412) return Error(ErrorCode::kConflict, message, true);
  if (status == 429)
    return Error(ErrorCode::kResourceExhausted, message, true, retry_after(response));
  if (status >= 500) return Error(ErrorCode::kUnavailable, message, true, retry_after(response));
  return Error(ErrorCode::kInvalidArgument, message, false);
}

}  // namespace wasl::plugins::fhir
