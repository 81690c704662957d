#include "hub/webhooks/hospital_event_body.hpp"

#include <nlohmann/json.hpp>

#include "hub/domain/timestamp.hpp"
#include "hub/webhooks/event_correlation.hpp"
#include "wasl/sdk/json_budget.hpp"

namespace wasl::webhooks {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

constexpr std::size_t kMaxTypeBytes = 100;
constexpr std::size_t kMaxCorrelationBytes = 256;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

bool valid_type(std::string_view type) {
  if (type.empty() || type.size() > kMaxTypeBytes) return false;
  for (char c : type) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<sdk::Event> parse_hospital_event_body(std::string_view body, std::string dedupe_key) {
  nlohmann::json doc = sdk::parse_json_within(body);
  if (doc.is_discarded() || !doc.is_object()) {
    return invalid("the webhook body must be a JSON object {type, correlation, payload}");
  }
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string() || !valid_type(type->get_ref<const std::string&>())) {
    return invalid("\"type\" must be a string of 1 to 100 characters a-z, 0-9, '_', '.' or '-'");
  }
  auto correlation = doc.find("correlation");
  if (correlation == doc.end() || !correlation->is_string() ||
      correlation->get_ref<const std::string&>().empty() ||
      correlation->get_ref<const std::string&>().size() > kMaxCorrelationBytes) {
    return invalid("\"correlation\" must be a string of 1 to 256 bytes");
  }
  sdk::Event event;
  event.type = type->get<std::string>();
  event.dedupe_key = std::move(dedupe_key);
  set_correlation(event, correlation->get<std::string>());
  if (auto at = doc.find("occurred_at"); at != doc.end() && !at->is_null()) {
    std::optional<std::int64_t> ms;
    if (at->is_string()) ms = domain::parse_timestamp(at->get_ref<const std::string&>());
    if (!ms) return invalid("\"occurred_at\" must be an RFC 3339 date-time");
    event.occurred_at_ms = *ms;
  }
  event.payload = nlohmann::json::object();
  if (auto payload = doc.find("payload"); payload != doc.end() && !payload->is_null()) {
    if (!payload->is_object()) return invalid("\"payload\" must be a JSON object");
    event.payload = std::move(*payload);
  }
  return event;
}

}  // namespace wasl::webhooks
