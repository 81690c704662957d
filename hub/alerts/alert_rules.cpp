#include "hub/alerts/alert_rules.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "hub/alerts/alert_store.hpp"
#include "hub/claims/billing_message_store.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/text/duration.hpp"
#include "hub/workflow/run_listing.hpp"

namespace wasl::alerts {
namespace {

using plugin_host::InstanceAlert;

constexpr const char* kFailing = "failing";
constexpr const char* kHealthy = "healthy";
// The schedules are asked about from this long after the rules began
// watching, so the periods a starting hub catches up on have their runs first.
constexpr std::int64_t kScheduleWarmUpMs = 5 * 60 * 1000;

// The state of condition `rule` of `facility` (about `instance`): `firing`
// names the kind, else `resolved` does.
InstanceAlert condition(const std::string& rule, const std::string& facility,
                        const std::string& instance, bool firing, const char* firing_kind,
                        const char* resolved_kind, std::int64_t now, std::string message) {
  InstanceAlert a;
  a.instance = instance;
  a.facility_id = facility;
  a.kind = firing ? firing_kind : resolved_kind;
  a.at_ms = now;
  a.message = std::move(message);
  a.state = firing ? kFailing : kHealthy;
  a.state_key = "rule:" + rule + ":" + facility;
  return a;
}

}  // namespace

AlertRules::AlertRules(const config::Config& config, AlertRuleServices services)
    : services_(std::move(services)) {
  for (const auto& [id, facility] : config.facilities) {
    Facility f{id, facility.alerts.rules, {}};
    if (auto ehr = facility.bindings.find("ehr"); ehr != facility.bindings.end()) {
      f.ehr = ehr->second;
    }
    facilities_.push_back(std::move(f));
  }
}

std::int64_t AlertRules::now() const {
  if (services_.now_ms) return services_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sdk::Status AlertRules::failed_runs(const Facility& f, std::int64_t now,
                                    std::vector<InstanceAlert>& out) {
  const auto& r = f.rules;
  WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(workflow::EndedRunCounts counts,
                        workflow::count_ended_runs(*tx, f.id, now - r.failed_runs_window.count()));
  tx->rollback();
  const bool firing = counts.ended >= r.failed_runs_minimum &&
                      counts.failed * 100 > counts.ended * r.failed_runs_percent;
  const std::int64_t percent = counts.ended > 0 ? counts.failed * 100 / counts.ended : 0;
  std::string message = std::to_string(counts.failed) + " of " + std::to_string(counts.ended) +
                        " runs ended in the last " + text::format_duration(r.failed_runs_window) +
                        " failed (" + std::to_string(percent) + "%; alert above " +
                        std::to_string(r.failed_runs_percent) + "% of at least " +
                        std::to_string(r.failed_runs_minimum) + ")";
  out.push_back(condition("runs", f.id, kHubSubject, firing, "runs.failing", "runs.recovered", now,
                          std::move(message)));
  return {};
}

sdk::Status AlertRules::dead_letters(const Facility& f, std::int64_t now,
                                     std::vector<InstanceAlert>& out) {
  const auto& r = f.rules;
  const std::int64_t since = now - r.dead_letters_window.count();
  WASL_ASSIGN_OR_RETURN(auto tx, services_.store->begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(workflow::EndedRunCounts runs,
                        workflow::count_ended_runs(*tx, f.id, since));
  WASL_ASSIGN_OR_RETURN(std::int64_t webhooks, records::InboxStore::count_stuck(*tx, f.id, since));
  WASL_ASSIGN_OR_RETURN(std::int64_t billing,
                        claims::BillingMessageStore::count_failed(*tx, f.id, since));
  tx->rollback();
  const std::int64_t total = runs.failed + webhooks + billing;
  const bool firing = total >= r.dead_letters_count;
  std::string message = std::to_string(total) + " new dead letters in the last " +
                        text::format_duration(r.dead_letters_window) + " (" +
                        std::to_string(runs.failed) + " failed runs, " + std::to_string(webhooks) +
                        " unmatched or parked webhooks, " + std::to_string(billing) +
                        " billing messages in error; alert at " +
                        std::to_string(r.dead_letters_count) + ")";
  out.push_back(condition("dead_letters", f.id, kHubSubject, firing, "dead_letters.growing",
                          "dead_letters.settled", now, std::move(message)));
  return {};
}

sdk::Result<std::vector<InstanceAlert>> AlertRules::evaluate() {
  const std::int64_t at = now();
  if (!watching_since_) watching_since_ = at;
  std::vector<InstanceAlert> out;
  for (const Facility& f : facilities_) {
    WASL_RETURN_IF_ERROR(failed_runs(f, at, out));
    WASL_RETURN_IF_ERROR(dead_letters(f, at, out));
  }

  if (services_.overdue && at - *watching_since_ >= kScheduleWarmUpMs) {
    // One grace per facility: ask with the shortest, keep each facility's own.
    std::chrono::milliseconds shortest = std::chrono::milliseconds::max();
    std::map<std::string, std::chrono::milliseconds> grace;
    for (const Facility& f : facilities_) {
      grace[f.id] = f.rules.schedule_grace;
      shortest = std::min(shortest, f.rules.schedule_grace);
    }
    if (!grace.empty()) {
      WASL_ASSIGN_OR_RETURN(auto overdue, services_.overdue(shortest));
      for (const workflow::OverdueSchedule& o : overdue) {
        auto g = grace.find(o.facility_id);
        if (g == grace.end() || o.fired_at_ms > at - g->second.count()) continue;
        InstanceAlert a;
        a.instance = kHubSubject;
        a.facility_id = o.facility_id;
        a.kind = "schedule.missed";
        a.at_ms = at;
        a.message =
            "workflow " + o.workflow + ", period " + o.period + " (due " +
            domain::format_timestamp(o.fired_at_ms) + "): " +
            (o.run_id.empty() ? std::string("no run started") : "run " + o.run_id + " " + o.status);
        a.dedup_key = "schedule.missed:" + o.facility_id + ":" + o.workflow + ":" + o.period;
        out.push_back(std::move(a));
      }
    }
  }

  if (services_.last_heard) {
    std::vector<std::string> watched;
    for (const Facility& f : facilities_) {
      if (f.rules.ehr_heartbeat.count() > 0 && !f.ehr.empty()) watched.push_back(f.ehr);
    }
    if (!watched.empty()) {
      WASL_ASSIGN_OR_RETURN(auto heard, services_.last_heard(watched));
      for (const Facility& f : facilities_) {
        if (f.rules.ehr_heartbeat.count() <= 0 || f.ehr.empty()) continue;
        auto last = heard.find(f.ehr);
        const std::int64_t since = last != heard.end() ? last->second : *watching_since_;
        const bool firing = at - since > f.rules.ehr_heartbeat.count();
        std::string message =
            firing ? "nothing heard from " + f.ehr + " since " + domain::format_timestamp(since) +
                         (last == heard.end() ? " (when the hub began watching)" : "") +
                         ", longer than its heartbeat of " +
                         text::format_duration(f.rules.ehr_heartbeat)
                   : f.ehr + " heard at " + domain::format_timestamp(since);
        out.push_back(condition("ehr", f.id, f.ehr, firing, "ehr.silent", "ehr.heard", at,
                                std::move(message)));
      }
    }
  }
  return out;
}

}  // namespace wasl::alerts
