#include "hub/consultations/no_show_sweep.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "hub/jobs/period_lease.hpp"
#include "hub/records/consultation_store.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::consultations {

using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr int kCommitRounds = 3;

workflow::IncomingEvent absent_verdict(const std::string& facility_id,
                                       const records::DueArrival& due, std::int64_t deadline_ms) {
  sdk::Event event;
  event.type = kPatientArrival;
  event.resource_id = due.id;
  event.occurred_at_ms = deadline_ms;
  event.dedupe_key = patient_arrival_dedupe_key(facility_id, due.id);
  event.payload = {{"outcome", "absent"}};
  return workflow::IncomingEvent{facility_id,           kPatientArrival,  due.id,
                                 nlohmann::json(event), event.dedupe_key, /*inbox_id=*/""};
}

}  // namespace

std::string patient_arrival_dedupe_key(const std::string& facility_id,
                                       const std::string& consultation_id) {
  return std::string(kPatientArrival) + "/" + facility_id + "/" + consultation_id;
}

NoShowSweep::NoShowSweep(storage::Store& store, const config::Config& config,
                         workflow::Engine& engine, observability::Metrics* metrics,
                         NoShowSweepOptions options)
    : store_(store),
      config_(config),
      engine_(engine),
      metrics_(metrics),
      options_(std::move(options)) {}

NoShowSweep::~NoShowSweep() { stop(); }

std::int64_t NoShowSweep::now_ms() const {
  auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

Result<NoShowPass> NoShowSweep::sweep_facility(const config::FacilityConfig& facility,
                                               std::int64_t now_ms) {
  const std::int64_t after = facility.no_show_after.count();
  for (int round = 1;; ++round) {
    NoShowPass pass;
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    WASL_ASSIGN_OR_RETURN(auto due, records::ConsultationStore::arrivals_due(
                                        *tx, facility.id, now_ms - after, options_.batch));
    if (due.empty()) return pass;
    pass.due = static_cast<std::int64_t>(due.size());
    std::vector<workflow::IncomingEvent> events;
    events.reserve(due.size());
    for (const auto& d : due)
      events.push_back(absent_verdict(facility.id, d, d.counted_from + after));
    WASL_ASSIGN_OR_RETURN(auto delivered, engine_.deliver_events(*tx, events));
    bool woke_a_run = false;
    for (std::size_t i = 0; i < delivered.size(); ++i) {
      if (!delivered[i].ok()) {
        ++pass.errors;
        spdlog::warn(
            "no-show check: consultation {} of facility {}: the verdict was not "
            "delivered: {}",
            due[i].id, facility.id, delivered[i].error().message);
        continue;
      }
      if (delivered[i]->duplicate) {
        ++pass.duplicates;
      } else {
        ++pass.absent;
      }
      woke_a_run = woke_a_run || !delivered[i]->matched_run.empty();
      WASL_RETURN_IF_ERROR(
          records::ConsultationStore::settle_arrival(*tx, facility.id, due[i].id, now_ms));
    }
    Status committed = tx->commit();
    if (committed.ok()) {
      if (woke_a_run) engine_.work_available();
      return pass;
    }
    if (committed.error().code != ErrorCode::kConflict || round >= kCommitRounds) {
      return committed.error();
    }
  }
}

NoShowPass NoShowSweep::run_once() {
  NoShowPass total;
  const std::int64_t now = now_ms();
  for (const auto& [id, facility] : config_.facilities) {
    auto pass = sweep_facility(facility, now);
    if (!pass.ok()) {
      ++total.errors;
      spdlog::error("no-show check: facility {}: {}", id, pass.error().message);
      continue;
    }
    total.due += pass->due;
    total.absent += pass->absent;
    total.duplicates += pass->duplicates;
    total.errors += pass->errors;
  }
  if (metrics_ != nullptr && total.absent > 0) {
    metrics_->counter_add("wasl_no_show_verdicts_total",
                          "Consultations this process found past their facility's no_show_after "
                          "with no patient join (patient.arrival absent delivered).",
                          {}, static_cast<double>(total.absent));
  }
  return total;
}

Status NoShowSweep::start() {
  if (!runner_) {
    WASL_ASSIGN_OR_RETURN(auto tick, jobs::once_per_period(
                                         store_, "consultations.no_show", options_.interval,
                                         [this]() -> Status {
                                           run_once();
                                           return {};
                                         },
                                         jobs::period_options(options_.clock, metrics_)));
    runner_ =
        std::make_unique<jobs::PeriodicRunner>("no-show check", options_.interval, std::move(tick));
  }
  return runner_->start();
}

void NoShowSweep::stop() {
  if (runner_) runner_->stop();
}

}  // namespace wasl::consultations
