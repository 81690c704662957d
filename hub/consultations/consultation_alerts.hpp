// hub.alert: a workflow step's alert to the facility's operators about the
// run's consultation (declared in hub/workflow/language/capabilities.hpp).
//
// The alert goes through the hub's alerting (plugin_host::InstanceHealth::
// raise, read by GET /v1/alerts): kind "consultation.<kind>", about the
// run's video instance (its kept binding, else the facility's current one),
// which the facility binds and so its operators see; message "consultation
// <id>: <kind>", the hub's own words, so no PHI can enter it. The consultation
// workflow raises consultation.clinician_no_show.
//
// The alert is about the run's facility: only its operators see it, even
// when another facility binds the same instance. kStandalone: it touches no
// database itself. A step attempted again under the same idempotency key
// raises nothing new: this process remembers the key, and the hub's shared
// alerts (hub/alerts) keep one alert per key across hubs.
//
// Thread-safe.
#pragma once

#include <deque>
#include <mutex>
#include <set>
#include <string>

#include "hub/config/config.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::consultations {

// Registers hub.alert. `config` and `health` must outlive `actions`.
sdk::Status add_alert_action(workflow::HubActions& actions, const config::Config& config,
                             plugin_host::InstanceHealth& health);

}  // namespace wasl::consultations
