#include "hub/notifications/notify_action.hpp"

#include "hub/notifications/consultation_notices.hpp"
#include "hub/notifications/message_kind.hpp"

namespace wasl::notifications {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;

constexpr const char* kNotify = "hub.notify";

sdk::Result<json> notify(const workflow::HubActionContext& ctx, const json& input,
                         const config::Config& config) {
  if (!input.is_object() || !input.contains("kind") || !input["kind"].is_string() ||
      !is_message_kind(input["kind"].get<std::string>())) {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.notify needs a 'kind': invitation, reminder_24h, reminder_1h, "
                 "clinician_ready, cancellation, reschedule, visit_summary or feedback",
                 false);
  }
  if (auto to = input.find("to"); to != input.end() && !to->is_null() && *to != "patient") {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.notify 'to' must be \"patient\": a message goes to the consultation's "
                 "patient only",
                 false);
  }
  const std::string kind = input["kind"].get<std::string>();
  json out = {{"kind", kind}, {"queued", 0}};
  if (ctx.consultation_id.empty() || ctx.tx == nullptr) return out;
  WASL_ASSIGN_OR_RETURN(auto channels, queue_message(*ctx.tx, config, ctx.facility_id,
                                                     ctx.consultation_id, kind, ctx.now_ms));
  out["queued"] = channels.size();
  return out;
}

}  // namespace

sdk::Status add_notify_action(workflow::HubActions& actions, const config::Config& config) {
  return actions.add(kNotify, workflow::HubActionMode::kInTransaction,
                     [&config](const workflow::HubActionContext& ctx, const json& input) {
                       return notify(ctx, input, config);
                     });
}

}  // namespace wasl::notifications
