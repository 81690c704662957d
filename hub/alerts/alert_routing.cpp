#include "hub/alerts/alert_routing.hpp"

#include "hub/alerts/alert_store.hpp"
#include "hub/config/facility_instances.hpp"

namespace wasl::alerts {

AlertRouting::AlertRouting(const config::Config& config) {
  for (const auto& [id, facility] : config.facilities) {
    std::vector<std::string> targets;
    for (const auto& entry : facility.alerts.webhooks) {
      targets.push_back(kWebhookTargetPrefix + entry.first);
    }
    if (!facility.alerts.alertmanager_url.empty()) targets.emplace_back(kAlertmanagerTarget);
    for (const std::string& address : facility.alerts.email) {
      targets.push_back(kEmailTargetPrefix + address);
    }
    if (targets.empty()) continue;
    targets_[id] = std::move(targets);
    for (const std::string& instance : config::facility_instances(facility)) {
      bound_[id].insert(instance);
    }
  }
}

std::vector<DeliveryTarget> AlertRouting::route(const plugin_host::InstanceAlert& alert) const {
  std::vector<DeliveryTarget> out;
  for (const auto& [facility, targets] : targets_) {
    bool reaches = false;
    if (!alert.facility_id.empty()) {
      reaches = alert.facility_id == facility;
    } else if (alert.instance == kHubSubject) {
      reaches = true;
    } else if (auto bound = bound_.find(facility); bound != bound_.end()) {
      reaches = bound->second.contains(alert.instance);
    }
    if (!reaches) continue;
    for (const std::string& target : targets) out.push_back(DeliveryTarget{facility, target});
  }
  return out;
}

}  // namespace wasl::alerts
