#include "plugins/janus/admin_client.hpp"

#include <utility>

#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/random.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;

// Admin API answers are small: a room's participant list is the largest.
constexpr wasl::sdk::JsonBudget kAnswerBudget{std::size_t{1} << 20, 16};

AdminAnswer failed(int janus_code, ErrorCode code, std::string message, bool retryable) {
  AdminAnswer answer;
  answer.failure.janus_code = janus_code;
  answer.failure.error = Error(code, std::move(message), retryable);
  return answer;
}

// Janus's own text, cut short: it names rooms and ids, never a secret.
std::string reason_of(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : std::string();
  if (text.size() > 200) text.resize(200);
  return text;
}

AdminAnswer core_failure(int code, const std::string& reason) {
  std::string message = "Janus refused the request (" + std::to_string(code) + " " + reason + ")";
  switch (code) {
    case kJanusUnauthorized:
    case kJanusUnauthorizedPlugin:
      return failed(code, ErrorCode::kUnauthenticated,
                    "Janus refused the admin secret (" + std::to_string(code) + " " + reason + ")",
                    false);
    case kJanusTokenNotFound: return failed(code, ErrorCode::kNotFound, message, false);
    case kJanusNotAcceptingSessions:
    case kJanusUnknown: return failed(code, ErrorCode::kUnavailable, message, true);
    case kJanusPluginNotFound:
      return failed(code, ErrorCode::kFailedPrecondition,
                    "Janus has no VideoRoom plugin loaded (" + reason + ")", false);
    default: return failed(code, ErrorCode::kInternal, message, false);
  }
}

AdminAnswer room_failure(int code, const std::string& reason) {
  std::string message =
      "the Janus VideoRoom refused the request (" + std::to_string(code) + " " + reason + ")";
  switch (code) {
    case kRoomNoSuchRoom:
    case kRoomNoSuchFeed: return failed(code, ErrorCode::kNotFound, message, false);
    case kRoomExists: return failed(code, ErrorCode::kAlreadyExists, message, false);
    case kRoomUnauthorized: return failed(code, ErrorCode::kPermissionDenied, message, false);
    case kRoomTooManyPublishers: return failed(code, ErrorCode::kResourceExhausted, message, false);
    case kRoomUnknownError: return failed(code, ErrorCode::kUnavailable, message, true);
    default: return failed(code, ErrorCode::kInvalidArgument, message, false);
  }
}

}  // namespace

AdminAnswer parse_admin_answer(int http_status, std::string_view body, bool plugin_request) {
  if (http_status != 200) {
    std::string message = "the Janus admin API answered HTTP " + std::to_string(http_status);
    if (http_status == 429) return failed(0, ErrorCode::kResourceExhausted, message, true);
    if (http_status >= 500) return failed(0, ErrorCode::kUnavailable, message, true);
    if (http_status == 401 || http_status == 403) {
      return failed(0, ErrorCode::kUnauthenticated, message, false);
    }
    return failed(0, ErrorCode::kFailedPrecondition, message + " (is admin_url right?)", false);
  }
  json document = wasl::sdk::parse_json_within(body, kAnswerBudget);
  if (document.is_discarded() || !document.is_object()) {
    return failed(0, ErrorCode::kUnavailable,
                  "the Janus admin API answered with something that is not a JSON object", true);
  }
  auto kind = document.find("janus");
  if (kind == document.end() || !kind->is_string()) {
    return failed(0, ErrorCode::kUnavailable, "the Janus admin API answer has no \"janus\" member",
                  true);
  }
  if (*kind == "error") {
    auto error = document.find("error");
    int code = kJanusUnknown;
    std::string reason;
    if (error != document.end() && error->is_object()) {
      auto c = error->find("code");
      if (c != error->end() && c->is_number_integer()) code = c->get<int>();
      if (auto r = error->find("reason"); r != error->end()) reason = reason_of(*r);
    }
    return core_failure(code, reason);
  }
  if (*kind != "success") {
    return failed(0, ErrorCode::kUnavailable,
                  "the Janus admin API answered \"" + reason_of(*kind) + "\", not success", true);
  }
  AdminAnswer answer;
  if (!plugin_request) {
    answer.ok = true;
    answer.document = std::move(document);
    return answer;
  }
  auto response = document.find("response");
  if (response == document.end() || !response->is_object()) {
    return failed(0, ErrorCode::kUnavailable,
                  "the Janus admin API answer carries no plugin response object", true);
  }
  if (auto code = response->find("error_code"); code != response->end()) {
    int value = code->is_number_integer() ? code->get<int>() : kRoomUnknownError;
    std::string reason;
    if (auto r = response->find("error"); r != response->end()) reason = reason_of(*r);
    return room_failure(value, reason);
  }
  answer.ok = true;
  answer.document = std::move(*response);
  return answer;
}

AdminAnswer AdminClient::core(std::string_view janus, json request) {
  request["janus"] = std::string(janus);
  return send(std::move(request), false);
}

AdminAnswer AdminClient::videoroom(json request) {
  json document = {{"janus", "message_plugin"},
                   {"plugin", "janus.plugin.videoroom"},
                   {"request", std::move(request)}};
  return send(std::move(document), true);
}

AdminAnswer AdminClient::send(json document, bool plugin_request) {
  auto transaction = wasl::sdk::random_hex(8);
  if (!transaction.ok()) {
    AdminAnswer answer;
    answer.failure.error = transaction.error();
    return answer;
  }
  document["transaction"] = *transaction;
  document["admin_secret"] = settings_.admin_secret;
  wasl::sdk::HttpRequest request;
  request.method = "POST";
  request.url = settings_.admin_url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = document.dump();
  request.timeout = settings_.request_timeout;
  auto response = host_.http(request);
  if (!response.ok()) {
    Error error = response.error();
    error.message = "the Janus admin API could not be reached: " + error.message;
    AdminAnswer answer;
    answer.failure.error = std::move(error);
    return answer;
  }
  return parse_admin_answer(response->status, response->body, plugin_request);
}

}  // namespace wasl::plugins::janus
