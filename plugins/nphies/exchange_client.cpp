#include "plugins/nphies/exchange_client.hpp"

#include <cstdlib>

#include "wasl/sdk/http_status_error.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::nphies {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// "issue one; issue two; issue three" from an OperationOutcome body.
std::string outcome_issues(const std::string& body) {
  json outcome = sdk::parse_json_within(body);
  if (!outcome.is_object() || sdk::string_member(outcome, "resourceType") != "OperationOutcome")
    return {};
  auto issues = outcome.find("issue");
  if (issues == outcome.end() || !issues->is_array()) return {};
  std::string out;
  int n = 0;
  for (const auto& issue : *issues) {
    if (n == 3) {
      out += "; …";
      break;
    }
    std::string text = sdk::string_member(sdk::object_member(issue, "details"), "text");
    if (text.empty()) text = sdk::string_member(issue, "diagnostics");
    if (text.empty()) text = sdk::string_member(issue, "code");
    if (auto e = issue.find("expression");
        e != issue.end() && e->is_array() && !e->empty() && (*e)[0].is_string()) {
      text += " (" + (*e)[0].get<std::string>() + ")";
    }
    if (text.empty()) continue;
    out += (out.empty() ? "" : "; ") + text;
    ++n;
  }
  return out;
}

// The SDK's reading of the status (wasl/sdk/http_status_error.hpp: which
// answers are retried, Retry-After), worded for the exchange, with its own
// meanings on top: 401 and 403 a refused certificate or licence, 404 and 405
// a base_url that is no $process-message endpoint, any other permanent 4xx a
// malformed message.
Error classify(const sdk::HttpResponse& response, const std::string& prefix,
               std::chrono::system_clock::time_point now) {
  const std::string what = prefix + "the exchange answered HTTP " + std::to_string(response.status);
  std::string issues = outcome_issues(response.body);
  const std::string detail = issues.empty() ? std::string() : ": " + issues;
  const int s = response.status;
  Error e = sdk::error_from_http_status(response, std::string(), now);
  std::string note;
  if (s == 429) {
    note = " (too many requests)";
  } else if (s == 500 || s == 502 || s == 503 || s == 504) {
    note = " (the exchange failed; resend later)";
  } else if (s == 401 || s == 403) {
    e.code = ErrorCode::kPermissionDenied;
    note = " (the exchange does not accept this instance's client certificate or licence)";
  } else if (s == 404 || s == 405) {
    e.code = ErrorCode::kFailedPrecondition;
    note = " (settings base_url is not an NPHIES $process-message endpoint)";
  } else if (!e.retryable && s >= 400 && s < 500) {
    e.code = ErrorCode::kInvalidArgument;
    note = " (the message was refused as malformed)";
  }
  e.message = what + note + detail;
  return e;
}

}  // namespace

ExchangeClient::ExchangeClient(sdk::Host& host, const NphiesSettings& settings)
    : host_(host), settings_(settings) {}

std::int64_t ExchangeClient::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch())
      .count();
}

sdk::Status ExchangeClient::refuse_while_skewed(std::string_view event, std::int64_t now) {
  std::lock_guard lock(mutex_);
  if (now >= refuse_until_ms_) return {};
  Error e(ErrorCode::kFailedPrecondition,
          prefix(event) + "not sent: the hub's clock was " +
              std::to_string(std::llabs(skew_ms_) / 1000) + " s off the exchange's Date (at " +
              "most " + std::to_string(settings_.max_clock_skew.count()) +
              " s allowed); fix the hub's clock (NTP)",
          true);
  e.retry_after = std::chrono::milliseconds(refuse_until_ms_ - now);
  return e;
}

sdk::Status ExchangeClient::observe_clock(const sdk::HttpResponse& response, std::string_view event,
                                          std::int64_t now) {
  auto date = sdk::parse_http_date(response.header("Date"));
  if (!date) return {};
  const std::int64_t skew = *date - now;
  // The Date header has whole seconds; allow that much besides the setting.
  const std::int64_t limit = settings_.max_clock_skew.count() * 1000 + 1000;
  std::lock_guard lock(mutex_);
  skew_ms_ = skew;
  if (std::llabs(skew) <= limit) {
    refuse_until_ms_ = 0;
    return {};
  }
  refuse_until_ms_ = now + settings_.clock_recheck.count() * 1000;
  Error e(ErrorCode::kFailedPrecondition,
          prefix(event) + "the hub's clock is " + std::to_string(std::llabs(skew) / 1000) + " s " +
              (skew > 0 ? "behind" : "ahead of") + " the exchange's Date (at most " +
              std::to_string(settings_.max_clock_skew.count()) +
              " s allowed); the answer was set aside and nothing more is sent until the clock "
              "is fixed (NTP)",
          true);
  e.retry_after = std::chrono::milliseconds(settings_.clock_recheck.count() * 1000);
  host_.log(sdk::LogLevel::kError, e.message);
  return e;
}

std::string ExchangeClient::prefix(std::string_view event) const {
  return host_.instance_name() + ": NPHIES " + std::string(event) + ": ";
}

Result<json> ExchangeClient::send(const json& message, std::string_view event, bool* answer_lost) {
  if (answer_lost != nullptr) *answer_lost = false;
  const std::int64_t started = now_ms();
  WASL_RETURN_IF_ERROR(refuse_while_skewed(event, started));
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = settings_.process_message_url();
  request.headers = {{"Content-Type", "application/fhir+json"},
                     {"Accept", "application/fhir+json"}};
  request.body = message.dump();
  request.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(settings_.request_timeout);
  request.mutual_tls = true;
  auto response = host_.http(request);
  if (!response.ok()) {
    Error e = response.error();
    // The host names the instance of a mutual TLS failure itself.
    const std::string named = host_.instance_name() + ": ";
    if (e.message.rfind(named, 0) == 0) e.message.erase(0, named.size());
    e.message = prefix(event) + e.message;
    if (answer_lost != nullptr) {
      *answer_lost = e.code == ErrorCode::kDeadlineExceeded || e.code == ErrorCode::kUnavailable;
    }
    return e;
  }
  WASL_RETURN_IF_ERROR(observe_clock(*response, event, now_ms()));
  host_.log(sdk::LogLevel::kDebug,
            "NPHIES " + std::string(event) + " answered HTTP " + std::to_string(response->status));
  if (response->status < 200 || response->status >= 300) {
    if (answer_lost != nullptr) *answer_lost = response->status == 408 || response->status == 504;
    return classify(*response, prefix(event), host_.now());
  }
  json answer = sdk::parse_json_within(response->body);
  if (!answer.is_object() || sdk::string_member(answer, "resourceType") != "Bundle") {
    return Error(ErrorCode::kUnavailable,
                 prefix(event) + "the exchange answered HTTP " + std::to_string(response->status) +
                     " without a FHIR Bundle",
                 true);
  }
  return answer;
}

}  // namespace wasl::plugins::nphies
