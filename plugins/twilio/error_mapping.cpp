#include "plugins/twilio/error_mapping.hpp"

#include <nlohmann/json.hpp>

#include "wasl/sdk/http_status_error.hpp"
#include "wasl/sdk/json_budget.hpp"

namespace wasl::plugins::twilio {
namespace {

using sdk::ErrorCode;

constexpr std::size_t kMaxQuotedMessage = 300;

void redact_all(std::string& text, const std::vector<std::string_view>& secrets) {
  for (auto secret : secrets) {
    if (secret.empty()) continue;
    std::size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "[redacted]");
      pos += 10;
    }
  }
}

// Printable ASCII only, bounded: the message ends up in logs.
std::string sanitize(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedMessage)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? c : ' ';
  }
  if (text.size() > kMaxQuotedMessage) out += "...";
  return out;
}

}  // namespace

std::optional<TwilioErrorBody> parse_twilio_error_body(std::string_view body) {
  auto json = sdk::parse_json_within(body);
  if (!json.is_object()) return std::nullopt;
  TwilioErrorBody out;
  if (auto it = json.find("code"); it != json.end()) {
    if (it->is_number_integer()) {
      out.code = it->get<int>();
    } else if (it->is_string()) {
      try {
        out.code = std::stoi(it->get<std::string>());
      } catch (const std::exception&) {
        out.code = 0;
      }
    }
  }
  if (auto it = json.find("message"); it != json.end() && it->is_string()) {
    out.message = it->get<std::string>();
  }
  if (auto it = json.find("more_info"); it != json.end() && it->is_string()) {
    out.more_info = it->get<std::string>();
  }
  if (auto it = json.find("status"); it != json.end() && it->is_number_integer()) {
    out.status = it->get<int>();
  }
  return out;
}

sdk::Error map_twilio_error(const TwilioFailure& failure, std::chrono::system_clock::time_point now,
                            const std::vector<std::string_view>& redact) {
  const int status = failure.http_status;
  auto body = parse_twilio_error_body(failure.body);
  if (body) {
    // Before truncation, so no prefix of a secret survives.
    redact_all(body->message, redact);
    redact_all(body->more_info, redact);
  }
  const int code = body ? body->code : 0;

  sdk::Error error = sdk::error_from_http_status(status, std::string(),
                                                 failure.retry_after.value_or(std::string()), now);
  if (code == kTwilioRoomExists) {
    error = sdk::Error(ErrorCode::kAlreadyExists, std::string(), false);
  }
  const std::optional<std::chrono::milliseconds>& after = error.retry_after;

  std::string message = "Twilio " + (failure.operation.empty() ? "request" : failure.operation) +
                        " failed with HTTP " + std::to_string(status);
  if (body && body->code != 0) message += ", Twilio error " + std::to_string(body->code);
  if (body && !body->message.empty()) message += ": " + sanitize(body->message);
  if (body && !body->more_info.empty()) message += " (" + sanitize(body->more_info) + ")";
  if (!body) message += " and a body that is not Twilio's JSON error";
  if (status == 401) message += "; check the instance's API key SID and secret";
  if (after) message += "; retry after " + std::to_string(after->count()) + " ms";
  redact_all(message, redact);
  error.message = std::move(message);
  return error;
}

}  // namespace wasl::plugins::twilio
