#include "hub/audit/audit_event.hpp"

#include <nlohmann/json.hpp>

namespace wasl::audit {

sdk::Status validate(const AuditEvent& event) {
  using sdk::Error;
  using sdk::ErrorCode;
  if (event.actor.empty()) return Error(ErrorCode::kInvalidArgument, "audit event needs an actor");
  if (event.action.empty()) {
    return Error(ErrorCode::kInvalidArgument, "audit event needs an action");
  }
  if (event.outcome != kOutcomeSuccess && event.outcome != kOutcomeFailure &&
      event.outcome != kOutcomeDenied) {
    return Error(ErrorCode::kInvalidArgument,
                 "audit event outcome must be success, failure or denied");
  }
  if (event.occurred_at < 0) {
    return Error(ErrorCode::kInvalidArgument, "audit event time must not be negative");
  }
  if (event.session.size() > kMaxSessionBytes) {
    return Error(ErrorCode::kInvalidArgument, "audit event session exceeds 64 bytes");
  }
  if (!event.detail.empty()) {
    if (event.detail.size() > kMaxDetailBytes) {
      return Error(ErrorCode::kInvalidArgument, "audit event detail exceeds 4096 bytes");
    }
    auto parsed = nlohmann::json::parse(event.detail, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return Error(ErrorCode::kInvalidArgument, "audit event detail must be a JSON object");
    }
  }
  return sdk::ok_status();
}

std::string_view person_of_actor(std::string_view actor) {
  constexpr std::string_view kPrefix = "person:";
  if (actor.size() <= kPrefix.size() || actor.substr(0, kPrefix.size()) != kPrefix) return {};
  return actor.substr(kPrefix.size());
}

}  // namespace wasl::audit
