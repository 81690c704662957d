#include "hub/consultations/consultation_alerts.hpp"

#include <memory>
#include <utility>

#include "hub/workflow/run_bindings.hpp"

namespace wasl::consultations {
namespace {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

constexpr const char* kAlert = "hub.alert";
// Idempotency keys remembered, so a step attempted again raises once.
constexpr std::size_t kRememberedKeys = 10000;

bool is_alert_kind(const std::string& kind) {
  if (kind.empty() || kind.size() > 40 || kind[0] < 'a' || kind[0] > 'z') return false;
  for (char c : kind) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// The idempotency keys of the alerts raised, oldest first.
class RaisedKeys {
 public:
  // True the first time `key` is seen (and then remembers it).
  bool first(const std::string& key) {
    std::lock_guard lock(mutex_);
    if (!keys_.insert(key).second) return false;
    order_.push_back(key);
    if (order_.size() > kRememberedKeys) {
      keys_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

 private:
  std::mutex mutex_;
  std::set<std::string> keys_;
  std::deque<std::string> order_;
};

Result<nlohmann::json> raise_alert(const workflow::HubActionContext& ctx,
                                   const nlohmann::json& input, const config::Config& config,
                                   plugin_host::InstanceHealth& health, RaisedKeys& raised) {
  auto kind = input.is_object() ? input.find("kind") : input.end();
  if (!input.is_object() || kind == input.end() || !kind->is_string() ||
      !is_alert_kind(kind->get<std::string>())) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(kAlert) +
                     " needs 'kind': a code of a-z, 0-9 and _ (at most 40), such as "
                     "clinician_no_show",
                 false);
  }
  if (ctx.consultation_id.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(kAlert) + " alerts about the run's consultation; this run has none",
                 false);
  }
  workflow::RoleBindings current;
  if (auto f = config.facilities.find(ctx.facility_id); f != config.facilities.end()) {
    current = f->second.bindings;
  }
  const std::string instance = workflow::bound_instance(ctx.bindings, current, "video");
  if (instance.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(kAlert) +
                     ": the run binds no video instance, whose alerts the facility's operators "
                     "see",
                 false);
  }
  const std::string alert_kind = "consultation." + kind->get<std::string>();
  if (raised.first(ctx.idempotency_key)) {
    // The key's dedup key: once across hubs too, when the alerts are shared.
    health.raise(instance, alert_kind,
                 "consultation " + ctx.consultation_id + ": " + kind->get<std::string>(),
                 {ctx.facility_id, "step:" + ctx.facility_id + ":" + ctx.idempotency_key});
  }
  return nlohmann::json{{"kind", alert_kind}, {"instance", instance}};
}

}  // namespace

sdk::Status add_alert_action(workflow::HubActions& actions, const config::Config& config,
                             plugin_host::InstanceHealth& health) {
  auto raised = std::make_shared<RaisedKeys>();
  return actions.add(kAlert, workflow::HubActionMode::kStandalone,
                     [&config, &health, raised](const workflow::HubActionContext& ctx,
                                                const nlohmann::json& input) {
                       return raise_alert(ctx, input, config, health, *raised);
                     });
}

}  // namespace wasl::consultations
