#include "plugins/moh/fhir_receiver.hpp"

#include <chrono>

#include "plugins/moh/fhir_terms.hpp"
#include "wasl/sdk/http_status_error.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::moh {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

std::int64_t epoch_ms(sdk::Host& host) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host.now().time_since_epoch())
      .count();
}

// The receiver's own words from an OperationOutcome body, shortened.
std::string outcome_text(const std::string& body) {
  json parsed = sdk::parse_json_within(body);
  std::string text;
  if (parsed.is_object() && sdk::string_member(parsed, "resourceType") == "OperationOutcome") {
    for (const auto& issue : sdk::array_member(parsed, "issue")) {
      if (!issue.is_object()) continue;
      std::string part = sdk::string_member(issue, "diagnostics");
      if (part.empty() && issue.contains("details") && issue["details"].is_object()) {
        part = sdk::string_member(issue["details"], "text");
      }
      if (part.empty()) continue;
      if (!text.empty()) text += "; ";
      text += part;
    }
  }
  if (text.size() > 200) text = text.substr(0, 200) + "…";
  return text;
}

// The SDK's reading of the status (wasl/sdk/http_status_error.hpp: which
// answers are retried, and Retry-After), with the receiver's contract on top
// (fhir_receiver.hpp): 401 and 403 are the token or certificate, 404 and 405
// a base_url that is no receiver, any other 4xx refused content, and every
// retryable answer kUnavailable.
Error status_error(const sdk::HttpResponse& response, const std::string& what,
                   std::chrono::system_clock::time_point now) {
  const int status = response.status;
  std::string message = "MOH receiver answered " + std::to_string(status) + " to " + what;
  std::string detail = outcome_text(response.body);
  if (!detail.empty()) message += ": " + detail;
  if (status == 404 || status == 405) message += " (check base_url)";
  Error e = sdk::error_from_http_status(response, std::move(message), now);
  if (status == 401 || status == 403) {
    e.code = ErrorCode::kUnauthenticated;
  } else if (status == 404 || status == 405) {
    e.code = ErrorCode::kFailedPrecondition;
  } else if (e.retryable) {
    e.code = ErrorCode::kUnavailable;
  } else if (status >= 400 && status <= 499) {
    e.code = ErrorCode::kInvalidArgument;
  }
  return e;
}

Error unreadable(const std::string& what) {
  return Error(ErrorCode::kUnavailable,
               "MOH receiver's answer to " + what + " could not be read; the report is resent",
               true);
}

}  // namespace

Result<sdk::HttpResponse> FhirReceiver::post(const std::string& path, const json& body,
                                             const std::string& report_id,
                                             const std::string& if_none_exist) {
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = settings_.base_url + path;
  request.headers = {{"Content-Type", "application/fhir+json"},
                     {"Accept", "application/fhir+json"},
                     {"Idempotency-Key", report_id}};
  if (settings_.auth == ReceiverAuth::kBearer) {
    request.headers.emplace_back("Authorization", "Bearer " + settings_.bearer_token);
  }
  if (!if_none_exist.empty()) request.headers.emplace_back("If-None-Exist", if_none_exist);
  request.body = body.dump(-1, ' ', false, json::error_handler_t::strict);
  request.timeout = settings_.request_timeout;
  auto response = host_.http(request);
  if (!response.ok()) {
    Error e = response.error();
    e.message = "MOH receiver: POST " + path + ": " + e.message;
    return e;
  }
  return response;
}

Result<sdk::Receipt> FhirReceiver::process_message(const json& bundle,
                                                   const std::string& report_id) {
  const std::string what = "POST /$process-message";
  WASL_ASSIGN_OR_RETURN(auto response, post("/$process-message", bundle, report_id, ""));
  if (response.status < 200 || response.status > 299) {
    return status_error(response, what, host_.now());
  }
  json answer = sdk::parse_json_within(response.body);
  if (!answer.is_object() || sdk::string_member(answer, "resourceType") != "Bundle" ||
      !answer.contains("entry") || !answer["entry"].is_array() || answer["entry"].empty()) {
    return unreadable(what);
  }
  const json& first = answer["entry"][0];
  if (!first.is_object() || !first.contains("resource") || !first["resource"].is_object()) {
    return unreadable(what);
  }
  const json& header = first["resource"];
  if (sdk::string_member(header, "resourceType") != "MessageHeader" ||
      !header.contains("response") || !header["response"].is_object()) {
    return unreadable(what);
  }
  const std::string code = sdk::string_member(header["response"], "code");
  if (code == "transient-error") {
    return Error(ErrorCode::kUnavailable, "MOH receiver answered transient-error to " + what, true);
  }
  if (code == "fatal-error") {
    return Error(ErrorCode::kInvalidArgument, "MOH receiver answered fatal-error to " + what,
                 false);
  }
  if (code != "ok") return unreadable(what);
  sdk::Receipt receipt;
  receipt.receipt_id = sdk::string_member(answer, "id");
  if (receipt.receipt_id.empty()) return unreadable(what);
  receipt.status = "accepted";
  receipt.received_at_ms = epoch_ms(host_);
  receipt.message = "accepted by the MOH receiver";
  receipt.raw = {{"http_status", response.status}, {"response_bundle_id", receipt.receipt_id}};
  return receipt;
}

Result<sdk::Receipt> FhirReceiver::create_measure_report(const json& report,
                                                         const std::string& report_id) {
  const std::string what = "POST /MeasureReport";
  const std::string condition =
      "identifier=" + std::string(terms::kReportIdSystem) + "|" + report_id;
  WASL_ASSIGN_OR_RETURN(auto response, post("/MeasureReport", report, report_id, condition));
  if (response.status < 200 || response.status > 299) {
    return status_error(response, what, host_.now());
  }
  std::string id;
  json answer = sdk::parse_json_within(response.body);
  if (answer.is_object() && sdk::string_member(answer, "resourceType") == "MeasureReport") {
    id = sdk::string_member(answer, "id");
  }
  if (id.empty()) {
    // Location: <base>/MeasureReport/<id>[/_history/<v>]
    std::string location = response.header("Location");
    auto at = location.find("MeasureReport/");
    if (at != std::string::npos) {
      id = location.substr(at + 14);
      id = id.substr(0, id.find('/'));
    }
  }
  if (id.empty()) return unreadable(what);
  sdk::Receipt receipt;
  receipt.receipt_id = id;
  receipt.status = "accepted";
  receipt.received_at_ms = epoch_ms(host_);
  receipt.message =
      response.status == 201 ? "created by the MOH receiver" : "already held by the MOH receiver";
  receipt.raw = {{"http_status", response.status}, {"measure_report_id", id}};
  return receipt;
}

}  // namespace wasl::plugins::moh
