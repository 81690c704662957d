// AlertRules: the alerts the hub raises from what its own tables show,
// checked for every facility by one hub at a time (the app runs evaluate()
// every minute under the lease "alerts.rules"). Thresholds per facility
// (facilities.<id>.alerts.rules, config::FacilityAlertRulesConfig):
//
//   runs.failing / runs.recovered       more than `percent` % of at least
//       `minimum` runs ended in the last `window` failed / no longer so.
//   dead_letters.growing / .settled     at least `count` new dead letters
//       (failed runs, unmatched or parked webhooks, billing messages in
//       error or unreadable) in the last `window` / fewer again.
//   schedule.missed                     a scheduled workflow's latest period
//       due `schedule_grace` ago has no run, or its run failed, was
//       cancelled or is still going `schedule_grace` after it started
//       (workflow::Scheduler::overdue); once per workflow, facility and
//       period (dedup key). Asked from five minutes after this object first
//       evaluated, so the periods a starting hub catches up on are started
//       first.
//   ehr.silent / ehr.heard              nothing has arrived from the
//       facility's EHR instance (webhooks, heartbeats included; MLLP
//       messages) for `ehr_heartbeat` / something has again. An instance
//       never heard from counts from when this object first evaluated.
//
// A condition is a shared state of its own (InstanceAlert::state_key
// "rule:<name>:<facility>"): evaluate() states it each time and the
// AlertStore writes an alert only when the state changes, so a condition
// that holds for hours is one alert, whichever hub evaluates. A condition
// that has never fired is not news when it holds healthy.
//
// Every alert is about its facility (facility_id): one facility's rules
// never reach another's targets. The messages are the hub's own words with
// counts and times, never PHI.
//
// Thread-safety: evaluate() from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/scheduler.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::alerts {

struct AlertRuleServices {
  storage::Store* store = nullptr;  // required
  // The schedules overdue by a grace (workflow::Scheduler::overdue); empty:
  // no schedule.missed.
  std::function<sdk::Result<std::vector<workflow::OverdueSchedule>>(std::chrono::milliseconds)>
      overdue;
  // Epoch ms each instance was last heard from
  // (webhooks::WebhookContacts::last_heard); empty: no ehr.silent.
  std::function<sdk::Result<std::map<std::string, std::int64_t>>(const std::vector<std::string>&)>
      last_heard;
  // Epoch ms; empty = the system clock.
  std::function<std::int64_t()> now_ms;
};

class AlertRules {
 public:
  AlertRules(const config::Config& config, AlertRuleServices services);

  // The alerts the rules call for now, facility by facility (above). A
  // storage error stops it.
  sdk::Result<std::vector<plugin_host::InstanceAlert>> evaluate();

 private:
  struct Facility {
    std::string id;
    config::FacilityAlertRulesConfig rules;
    std::string ehr;  // the instance bound to role ehr, or empty
  };
  std::int64_t now() const;
  sdk::Status failed_runs(const Facility& f, std::int64_t now,
                          std::vector<plugin_host::InstanceAlert>& out);
  sdk::Status dead_letters(const Facility& f, std::int64_t now,
                           std::vector<plugin_host::InstanceAlert>& out);

  std::vector<Facility> facilities_;
  AlertRuleServices services_;
  std::optional<std::int64_t> watching_since_;
};

}  // namespace wasl::alerts
