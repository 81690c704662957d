#include "plugins/fhir/error_mapping.hpp"

#include <nlohmann/json.hpp>

#include "wasl/sdk/http_status_error.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::fhir {

using sdk::Error;
using sdk::ErrorCode;

std::string operation_outcome_summary(std::string_view body) {
  auto outcome = sdk::parse_json_within(body);
  if (!outcome.is_object() || sdk::string_member(outcome, "resourceType") != "OperationOutcome")
    return {};
  auto issues = outcome.find("issue");
  if (issues == outcome.end() || !issues->is_array()) return {};
  std::string out;
  for (const auto& issue : *issues) {
    if (!issue.is_object()) continue;
    std::string text;
    text = sdk::string_member(sdk::object_member(issue, "details"), "text");
    if (text.empty()) text = sdk::string_member(issue, "diagnostics");
    if (text.size() > 200) text.resize(200);
    if (!out.empty()) out += "; ";
    const std::string code = sdk::string_member(issue, "code");
    out += code.empty() ? "unknown" : code;
    if (!text.empty()) out += ": " + text;
    if (out.size() > 1000) break;
  }
  return out;
}

Error error_from_response(std::string_view instance, std::string_view what,
                          const sdk::HttpResponse& response,
                          std::chrono::system_clock::time_point now) {
  const int status = response.status;
  std::string message =
      std::string(instance) + ": " + std::string(what) + " answered HTTP " + std::to_string(status);
  if (std::string summary = operation_outcome_summary(response.body); !summary.empty()) {
    message += " (" + summary + ")";
  }
  Error error = sdk::error_from_http_status(response, std::move(message), now);
  // A version conflict (If-Match, a conditional create that matched twice):
  // read again and retry.
  if (status == 412) error = Error(ErrorCode::kConflict, std::move(error.message), true);
  return error;
}

}  // namespace wasl::plugins::fhir
