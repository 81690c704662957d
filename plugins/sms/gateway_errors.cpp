#include "plugins/sms/gateway_errors.hpp"

#include "wasl/sdk/http_status_error.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::sms {

using sdk::Error;
using sdk::ErrorCode;

std::string gateway_error_code(const std::string& body) {
  const nlohmann::json parsed = sdk::parse_json_within(body);
  std::string code = sdk::string_member(parsed, "code");
  if (code.empty() || code.size() > 40) return {};
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return {};
  }
  return code;
}

Error gateway_error(const sdk::HttpResponse& response, const std::string& what,
                    std::chrono::system_clock::time_point now) {
  const int status = response.status;
  const std::string code = gateway_error_code(response.body);
  std::string message = "SMS gateway answered " + std::to_string(status);
  if (!code.empty()) message += " " + code;
  message += " to " + what;
  const bool sender_refused = code == "INVALID_SENDER" || code == "SENDER_NOT_REGISTERED";
  if ((status == 400 || status == 422) && sender_refused) {
    return Error(ErrorCode::kFailedPrecondition,
                 message + ": the sender name is not registered with the gateway (check sender)",
                 false);
  }
  if (status == 400 || status == 422) {
    return Error(ErrorCode::kInvalidArgument, message + ": the gateway refuses this message",
                 false);
  }
  if (status == 401) {
    return Error(ErrorCode::kFailedPrecondition,
                 message + ": the gateway refused the API key (check api_key)", false);
  }
  if (status == 402) {
    return Error(ErrorCode::kFailedPrecondition,
                 message + ": the gateway account has no balance left", false);
  }
  if (status == 403) {
    return Error(ErrorCode::kPermissionDenied,
                 message + ": the gateway account may not send this message", false);
  }
  if (status == 404 || status == 405) {
    return Error(ErrorCode::kFailedPrecondition, message + " (check base_url)", false);
  }
  return sdk::error_from_http_status(response, std::move(message), now);
}

}  // namespace wasl::plugins::sms
