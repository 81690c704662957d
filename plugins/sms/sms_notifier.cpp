#include "plugins/sms/sms_notifier.hpp"

#include <openssl/evp.h>

#include <chrono>

#include "plugins/sms/gateway_errors.hpp"
#include "plugins/sms/recipient_number.hpp"
#include "plugins/sms/sms_segments.hpp"
#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::sms {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

constexpr std::string_view kMessagesPath = "/v1/messages";
constexpr std::size_t kMaxClientReference = 64;
constexpr std::size_t kMaxNotifierMessageId = 128;

Error refuse(const std::string& why) {
  return Error(ErrorCode::kInvalidArgument, "SMS not sent: " + why, false);
}

bool reference_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '-';
}

// A messageId the plugin passes on: printable ASCII without blanks.
bool plausible_message_id(const std::string& id) {
  if (id.empty() || id.size() > kMaxNotifierMessageId) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::int64_t epoch_ms(sdk::Host& host) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host.now().time_since_epoch())
      .count();
}

}  // namespace

std::string client_reference(std::string_view key) {
  bool fits = !key.empty() && key.size() <= kMaxClientReference;
  for (char c : key) fits = fits && reference_character(c);
  if (fits) return std::string(key);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest, &length, EVP_sha256(), nullptr);
  return sdk::to_hex(digest, length);
}

SmsNotifier::SmsNotifier(sdk::Host& host, SmsSettings settings)
    : host_(host), settings_(std::move(settings)) {}

Result<sdk::NotificationReceipt> SmsNotifier::send(const sdk::Notification& notification) {
  if (notification.channel != "sms") {
    return refuse(notification.channel == "email"
                      ? "this instance sends channel \"sms\" only, not \"email\""
                      : "this instance sends channel \"sms\" only");
  }
  if (notification.idempotency_key.empty()) return refuse("the idempotency key is empty");
  if (notification.body.empty()) return refuse("the text is empty");
  auto recipient = gateway_recipient(notification.recipient);
  if (!recipient.ok()) return refuse(recipient.error().message);
  auto counted = count_sms_segments(notification.body);
  if (!counted.ok()) return refuse(counted.error().message);
  const SmsSegments segments = *counted;
  if (segments.segments > settings_.max_segments) {
    return refuse("the text needs " + std::to_string(segments.segments) + " parts (" +
                  std::string(to_string(segments.encoding)) + ", " +
                  std::to_string(segments.units) + " units), more than max_segments " +
                  std::to_string(settings_.max_segments));
  }

  const std::string reference = client_reference(notification.idempotency_key);
  const json body = {{"recipients", json::array({*recipient})},
                     {"body", notification.body},
                     {"sender", settings_.sender},
                     {"clientReference", reference}};
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = settings_.base_url + std::string(kMessagesPath);
  request.headers = {{"Content-Type", "application/json; charset=utf-8"},
                     {"Accept", "application/json"},
                     {"Authorization", "Bearer " + settings_.api_key}};
  request.body = body.dump(-1, ' ', false, json::error_handler_t::strict);
  request.timeout = settings_.request_timeout;
  const std::string what = "POST " + std::string(kMessagesPath);

  auto response = host_.http(request);
  if (!response.ok()) {
    Error e = std::move(response).error();
    e.message = "SMS gateway: " + what + ": " + e.message;
    return e;
  }
  if (response->status < 200 || response->status > 299) {
    return gateway_error(*response, what, host_.now());
  }
  const json answer = sdk::parse_json_within(response->body);
  const std::string message_id = sdk::string_member(answer, "messageId");
  if (!plausible_message_id(message_id)) {
    return Error(ErrorCode::kUnavailable,
                 "SMS gateway answered " + std::to_string(response->status) + " to " + what +
                     " without a readable messageId; sending again with the same clientReference "
                     "is answered from the gateway's store",
                 true);
  }
  int billed = 0;
  if (answer.contains("segments") && answer["segments"].is_number_integer()) {
    billed = answer["segments"].get<int>();
  }
  if (billed > 0 && billed != segments.segments) {
    host_.log(sdk::LogLevel::kWarn, "the SMS gateway billed " + std::to_string(billed) +
                                        " parts for a text counted as " +
                                        std::to_string(segments.segments) + " " +
                                        std::string(to_string(segments.encoding)) + " parts");
  }

  sdk::NotificationReceipt receipt;
  receipt.provider_id = message_id;
  receipt.status = "accepted";
  receipt.segments = billed > 0 ? billed : segments.segments;
  receipt.accepted_at_ms = epoch_ms(host_);
  // The gateway's answer, but only what names the message, never a number
  // it may repeat.
  receipt.raw = {{"http_status", response->status},
                 {"messageId", message_id},
                 {"clientReference", reference},
                 {"encoding", to_string(segments.encoding)},
                 {"counted_segments", segments.segments}};
  for (const char* key : {"statusCode", "segments", "cost", "currency", "status"}) {
    if (answer.is_object() && answer.contains(key) &&
        (answer[key].is_number() || answer[key].is_string())) {
      receipt.raw[key] = answer[key];
    }
  }
  return receipt;
}

}  // namespace wasl::plugins::sms
