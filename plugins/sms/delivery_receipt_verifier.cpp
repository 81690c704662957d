#include "plugins/sms/delivery_receipt_verifier.hpp"

#include <cctype>
#include <string>
#include <string_view>

#include "plugins/sms/receipt_signature.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::sms {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Event;
using sdk::Result;

// A receipt is a small object; anything larger is not one.
constexpr std::size_t kMaxReceiptBytes = 16 * 1024;
constexpr std::size_t kMaxMessageId = 128;

Error invalid(const std::string& why) {
  return Error(ErrorCode::kInvalidArgument, "SMS delivery receipt refused: " + why, false);
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The event type a final status reports, or empty for any other status.
std::string event_type(const std::string& status) {
  if (status == "DELIVERED") return "notification.delivered";
  if (status == "FAILED" || status == "UNDELIVERABLE" || status == "EXPIRED") {
    return "notification.failed";
  }
  return {};
}

bool printable_id(const std::string& id) {
  if (id.empty() || id.size() > kMaxMessageId) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

DeliveryReceiptVerifier::DeliveryReceiptVerifier(sdk::Host& host, SmsSettings settings)
    : host_(host), settings_(std::move(settings)) {}

Result<std::vector<Event>> DeliveryReceiptVerifier::verify(const sdk::WebhookRequest& request) {
  std::string_view signature;
  int signatures = 0;
  for (const auto& [name, value] : request.headers) {
    if (!same_name(name, kReceiptSignatureHeader)) continue;
    ++signatures;
    signature = value;
  }
  if (signatures > 1) {
    return Error(ErrorCode::kUnauthenticated,
                 "SMS delivery receipt refused: it carries more than one " +
                     std::string(kReceiptSignatureHeader) + " header",
                 false);
  }
  WASL_RETURN_IF_ERROR(verify_receipt_signature(settings_.receipt_secret, signature, request.body,
                                                host_.now(), settings_.receipt_tolerance));
  if (request.body.size() > kMaxReceiptBytes) return invalid("the body exceeds 16 KiB");
  const json receipt = sdk::parse_json_within(request.body);
  if (!receipt.is_object()) return invalid("the body is not a JSON object");
  const std::string message_id = sdk::string_member(receipt, "messageId");
  if (!printable_id(message_id)) return invalid("it has no messageId");
  const std::string status = sdk::string_member(receipt, "status");
  const std::string type = event_type(status);
  if (type.empty()) {
    return invalid(
        "its status is not DELIVERED, FAILED, UNDELIVERABLE or EXPIRED (only final states "
        "are reported)");
  }
  const std::string status_at = sdk::string_member(receipt, "statusAt");
  const auto occurred = sdk::parse_iso8601(status_at);
  if (!occurred) return invalid("statusAt is not an ISO 8601 date-time");

  Event event;
  event.type = type;
  event.resource_id = message_id;
  event.occurred_at_ms = *occurred;
  event.dedupe_key = "sms:" + message_id + "/" + status;
  // What the hub keeps of the receipt: the recipient's number stays out.
  event.payload = {{"messageId", message_id}, {"status", status}, {"statusAt", status_at}};
  for (const char* key : {"clientReference", "errorCode"}) {
    const std::string value = sdk::string_member(receipt, key);
    if (!value.empty() && value.size() <= kMaxMessageId) event.payload[key] = value;
  }
  return std::vector<Event>{std::move(event)};
}

}  // namespace wasl::plugins::sms
