#include "hub/workflow/step_refusal.hpp"

#include <nlohmann/json.hpp>

namespace wasl::workflow {

sdk::Error refuse_step(const audit::AuditWriter& audit, const HubActionContext& ctx,
                       const std::string& method, const std::string& entity_type,
                       const std::string& entity_id, const std::string& why) {
  audit::AuditEvent event;
  event.occurred_at = ctx.now_ms;
  event.actor = "system";
  event.facility_id = ctx.facility_id;
  event.action = "access.denied";
  event.entity_type = entity_type;
  event.entity_id = entity_id;
  event.outcome = std::string(audit::kOutcomeDenied);
  event.detail = nlohmann::json{
      {"run_id", ctx.run_id},
      {"step", ctx.step_id},
      {"method", method},
      {"reason",
       why}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (ctx.tx != nullptr) {
    auto appended = audit.append(*ctx.tx, event);
    if (!appended.ok()) return std::move(appended).error();
  }
  return sdk::Error(sdk::ErrorCode::kPermissionDenied,
                    method + " refused for facility " + ctx.facility_id + ": " + why, false);
}

}  // namespace wasl::workflow
