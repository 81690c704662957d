#include "plugins/twilio/error_mapping.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <nlohmann/json.hpp>

namespace wasl::plugins::twilio {
namespace {

using sdk::ErrorCode;

constexpr std::size_t kMaxQuotedMessage = 300;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

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
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
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

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  std::string text = trim(value);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (text.size() > 9) return std::chrono::milliseconds(std::chrono::hours(24 * 365));
    return std::chrono::milliseconds(std::stoll(text) * 1000);
  }
  // HTTP-date: IMF-fixdate, RFC 850 or asctime (RFC 9110 §5.6.7).
  // Poco's parser is lenient (it accepts "soon"), so the shape is checked first.
  struct Shape {
    std::regex pattern;
    const std::string* format;
  };
  static const Shape kShapes[] = {
      {std::regex(R"(^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$)"),
       &Poco::DateTimeFormat::HTTP_FORMAT},
      {std::regex(R"(^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$)"),
       &Poco::DateTimeFormat::RFC850_FORMAT},
      {std::regex(R"(^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$)"),
       &Poco::DateTimeFormat::ASCTIME_FORMAT},
  };
  for (const auto& shape : kShapes) {
    if (!std::regex_match(text, shape.pattern)) continue;
    const std::string* format = shape.format;
    Poco::DateTime parsed;
    int tzd = 0;
    try {
      if (!Poco::DateTimeParser::tryParse(*format, text, parsed, tzd)) continue;
    } catch (const Poco::Exception&) {
      continue;
    }
    parsed.makeUTC(tzd);
    auto at = std::chrono::system_clock::time_point(
        std::chrono::microseconds(parsed.timestamp().epochMicroseconds()));
    auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
    return std::max(delta, std::chrono::milliseconds(0));
  }
  return std::nullopt;
}

sdk::Error map_twilio_error(const TwilioFailure& failure,
                            std::chrono::system_clock::time_point now,
                            const std::vector<std::string_view>& redact) {
  const int status = failure.http_status;
  auto body = parse_twilio_error_body(failure.body);
  if (body) {
    // Before truncation, so no prefix of a secret survives.
    redact_all(body->message, redact);
    redact_all(body->more_info, redact);
  }
  const int code = body ? body->code : 0;

  ErrorCode kind;
  bool retryable = false;
  if (code == kTwilioRoomExists) {
    kind = ErrorCode::kAlreadyExists;
  } else if (status == 429) {
    kind = ErrorCode::kResourceExhausted;
    retryable = true;
  } else if (status >= 500 && status <= 599) {
    kind = ErrorCode::kUnavailable;
    retryable = true;
  } else if (status == 401) {
    kind = ErrorCode::kUnauthenticated;
  } else if (status == 403) {
    kind = ErrorCode::kPermissionDenied;
  } else if (status == 404 || status == 410) {
    kind = ErrorCode::kNotFound;
  } else if (status == 409) {
    kind = ErrorCode::kAlreadyExists;
  } else if (status == 412) {
    kind = ErrorCode::kFailedPrecondition;
  } else if (status >= 400 && status <= 499) {
    kind = ErrorCode::kInvalidArgument;
  } else {
    // A non-error status handed in by mistake, or a 1xx/3xx the client did not follow.
    kind = ErrorCode::kInternal;
  }

  std::optional<std::chrono::milliseconds> after;
  if (retryable && failure.retry_after) after = parse_retry_after(*failure.retry_after, now);

  std::string message = "Twilio " + (failure.operation.empty() ? "request" : failure.operation) +
                        " failed with HTTP " + std::to_string(status);
  if (body && body->code != 0) message += ", Twilio error " + std::to_string(body->code);
  if (body && !body->message.empty()) message += ": " + sanitize(body->message);
  if (body && !body->more_info.empty()) message += " (" + sanitize(body->more_info) + ")";
  if (!body) message += " and a body that is not Twilio's JSON error";
  if (status == 401) message += "; check the instance's API key SID and secret";
  if (after) message += "; retry after " + std::to_string(after->count()) + " ms";
  redact_all(message, redact);
  return sdk::Error(kind, std::move(message), retryable, after);
}

}  // namespace wasl::plugins::twilio
