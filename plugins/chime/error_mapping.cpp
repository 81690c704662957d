#include "plugins/chime/error_mapping.hpp"

#include <cctype>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "wasl/sdk/http_status_error.hpp"
#include "wasl/sdk/json_budget.hpp"

namespace wasl::plugins::chime {
namespace {

using wasl::sdk::Error;
using wasl::sdk::ErrorCode;

std::string json_string(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    auto it = object.find(key);
    if (it != object.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

bool contains_ci(std::string_view text, std::string_view word) {
  if (word.empty() || text.size() < word.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    bool same = true;
    for (std::size_t j = 0; j < word.size() && same; ++j) {
      same = std::tolower(static_cast<unsigned char>(text[i + j])) ==
             std::tolower(static_cast<unsigned char>(word[j]));
    }
    if (same) return true;
  }
  return false;
}

// "NotFoundException" -> "NotFound"; "aws.protocol#Foo:http://…" -> "Foo".
std::string short_code(std::string code) {
  if (auto colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  if (auto hash = code.rfind('#'); hash != std::string::npos) code.erase(0, hash + 1);
  const std::string suffix = "Exception";
  if (code.size() > suffix.size() &&
      code.compare(code.size() - suffix.size(), suffix.size(), suffix) == 0) {
    code.resize(code.size() - suffix.size());
  }
  return code;
}

}  // namespace

AwsErrorBody parse_aws_error(const wasl::sdk::HttpResponse& response) {
  AwsErrorBody out;
  std::string_view body = response.body;
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '{') {
    // Not JSON after all, or too large: the headers below are all there is.
    auto parsed = wasl::sdk::parse_json_within(body);
    if (parsed.is_object()) {
      out.code = json_string(parsed, {"Code", "code", "__type"});
      out.message = json_string(parsed, {"Message", "message"});
      out.request_id = json_string(parsed, {"RequestId", "requestId"});
    }
  } else if (first != std::string_view::npos && body[first] == '<') {
    pugi::xml_document doc;
    if (doc.load_buffer(body.data(), body.size())) {
      pugi::xml_node error = doc.child("Error");
      if (!error) error = doc.first_child().child("Error");
      if (error) {
        out.code = error.child_value("Code");
        out.message = error.child_value("Message");
        out.request_id = error.child_value("RequestId");
      }
    }
  }
  if (out.code.empty()) out.code = response.header("x-amzn-ErrorType");
  out.code = short_code(out.code);
  if (out.request_id.empty()) out.request_id = response.header("x-amzn-RequestId");
  if (out.request_id.empty()) out.request_id = response.header("x-amz-request-id");
  return out;
}

AwsFailure describe_failure(std::string_view operation, const wasl::sdk::HttpResponse& response,
                            std::chrono::system_clock::time_point now) {
  AwsFailure failure;
  failure.operation = std::string(operation);
  failure.status = response.status;
  failure.body = parse_aws_error(response);
  failure.retry_after = wasl::sdk::parse_retry_after(response.header("Retry-After"), now);
  return failure;
}

std::string redact_secrets(std::string text, const std::vector<std::string>& redact) {
  for (const auto& secret : redact) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[redacted]");
      at += 10;
    }
  }
  return text;
}

Error to_error(const AwsFailure& failure, const std::vector<std::string>& redact) {
  const int status = failure.status;
  const std::string& code = failure.body.code;
  Error error = wasl::sdk::error_from_http_status(status, std::string());
  if (error.retryable) error.retry_after = failure.retry_after;
  if (status == 400 && (code == "LimitExceeded" || code == "ResourceLimitExceeded")) {
    error.code = ErrorCode::kResourceExhausted;
  } else if (status == 403 &&
             (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" ||
              code == "InvalidSignature" || code == "UnrecognizedClient" ||
              code == "IncompleteSignature" || code == "MissingAuthenticationToken" ||
              contains_ci(failure.body.message, "signature"))) {
    error.code = ErrorCode::kUnauthenticated;
  } else if (status == 422) {
    error.code = ErrorCode::kFailedPrecondition;
  }

  std::string aws_message = failure.body.message;
  if (aws_message.size() > 300) aws_message = aws_message.substr(0, 300) + "…";
  std::string message =
      "Chime " + failure.operation + " failed with HTTP " + std::to_string(status);
  if (!code.empty()) message += " " + code;
  if (!aws_message.empty()) message += ": " + aws_message;
  if (!failure.body.request_id.empty()) message += " (RequestId " + failure.body.request_id + ")";
  error.message = redact_secrets(std::move(message), redact);
  return error;
}

}  // namespace wasl::plugins::chime
