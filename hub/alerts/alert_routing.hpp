// AlertRouting: which facilities' delivery targets an alert goes to, from
// facilities.<id>.alerts. An alert about a facility goes to that facility's
// targets only; one about an instance (no facility) to the targets of every
// facility whose instance it is (config::facility_instances: its bindings
// and notify instances); the hub's own (kHubSubject) to every facility's.
// So an alert about facility A never reaches B's endpoints.
//
// Targets are named "webhook.<name>", "alertmanager" and "email.<address>".
//
// Immutable after construction (what the config said at start); thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/plugin_host/instance_health.hpp"

namespace wasl::alerts {

struct DeliveryTarget {
  std::string facility_id;
  std::string target;  // "webhook.<name>" | "alertmanager" | "email.<address>"
  bool operator==(const DeliveryTarget&) const = default;
};

inline constexpr const char* kAlertmanagerTarget = "alertmanager";
inline constexpr const char* kWebhookTargetPrefix = "webhook.";
inline constexpr const char* kEmailTargetPrefix = "email.";

class AlertRouting {
 public:
  explicit AlertRouting(const config::Config& config);

  // The targets `alert` is delivered to, facility by facility.
  std::vector<DeliveryTarget> route(const plugin_host::InstanceAlert& alert) const;

 private:
  std::map<std::string, std::vector<std::string>> targets_;  // facility -> its targets
  std::map<std::string, std::set<std::string>> bound_;       // facility -> instances it binds
};

}  // namespace wasl::alerts
