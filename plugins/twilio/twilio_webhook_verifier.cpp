#include "plugins/twilio/twilio_webhook_verifier.hpp"

#include <cctype>

#include "plugins/twilio/form_encoding.hpp"
#include "plugins/twilio/request_signature.hpp"
#include "plugins/twilio/status_callback.hpp"

namespace wasl::plugins::twilio {
namespace {

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

}  // namespace

sdk::Result<std::vector<sdk::Event>> TwilioWebhookVerifier::verify(
    const sdk::WebhookRequest& request) {
  if (!same_name(request.method, "POST")) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "Twilio status callbacks are expected as POST (StatusCallbackMethod=POST)",
                      false);
  }
  const std::string* signature = nullptr;
  for (const auto& [name, value] : request.headers) {
    if (same_name(name, kSignatureHeader)) {
      signature = &value;
      break;
    }
  }
  if (signature == nullptr || signature->empty()) {
    return sdk::Error(sdk::ErrorCode::kUnauthenticated,
                      "the Twilio callback carries no X-Twilio-Signature header", false);
  }
  auto fields = parse_form(request.body);
  if (!fields.ok()) {
    sdk::Error error = std::move(fields).error();
    error.message = "the Twilio callback body is not a form: " + error.message;
    error.retryable = false;
    return error;
  }
  WASL_RETURN_IF_ERROR(verify_signature(auth_token_, *signature, request.url, *fields));
  WASL_ASSIGN_OR_RETURN(auto parsed, parse_status_callback(*fields));
  std::vector<sdk::Event> events;
  if (parsed) events.push_back(to_sdk_event(*parsed));
  return events;
}

}  // namespace wasl::plugins::twilio
