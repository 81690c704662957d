#include "hub/app/facility_sync.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "hub/access/facility_store.hpp"
#include "hub/access/residency_exception_store.hpp"
#include "hub/config/residency.hpp"

namespace wasl::app {

sdk::Status sync_facilities(storage::Store& store, const config::Config& config) {
  if (config.facilities.empty()) return {};
  std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  for (int attempt = 0;; ++attempt) {
    auto tx = store.begin();
    if (!tx.ok()) return std::move(tx).error();
    sdk::Status done;
    for (const auto& [id, facility] : config.facilities) {
      done = access::FacilityStore::save(**tx, id, facility.name.empty() ? id : facility.name, now);
      if (!done.ok()) break;
    }
    if (done.ok()) done = (*tx)->commit();
    if (done.ok() || !done.error().retryable || attempt >= 4) return done;
  }
}

sdk::Status record_residency_exceptions(storage::Store& store, const audit::AuditWriter& audit,
                                        const config::Config& config) {
  std::vector<access::ResidencyExceptionRecord> exceptions;
  for (const auto& [id, facility] : config.facilities) {
    for (const auto& exception : facility.residency_exceptions) {
      std::string residency(config::kUnknownResidency);
      if (exception.instance == config::archive_exception_name(config.archive)) {
        residency = config::archive_residency(config.archive).country;
      } else if (auto it = config.instances.find(exception.instance);
                 it != config.instances.end()) {
        residency = config::instance_residency(it->second).country;
      }
      exceptions.push_back(access::ResidencyExceptionRecord{
          id, exception.instance, exception.reference, exception.approved, residency, 0});
    }
  }
  if (exceptions.empty()) return {};
  for (int attempt = 0;; ++attempt) {
    auto tx = store.begin();
    if (!tx.ok()) return std::move(tx).error();
    sdk::Status done;
    std::vector<const access::ResidencyExceptionRecord*> first_started;
    for (const auto& exception : exceptions) {
      auto first = access::ResidencyExceptionStore::record_start(**tx, audit, exception,
                                                                 audit::now_epoch_ms());
      if (!first.ok()) {
        done = std::move(first).error();
        break;
      }
      if (*first) first_started.push_back(&exception);
    }
    if (done.ok()) done = (*tx)->commit();
    if (done.ok()) {
      for (const auto* exception : first_started) {
        spdlog::warn("facility {}: residency exception {} for {} (residency {}) in force",
                     exception->facility_id, exception->reference, exception->instance,
                     exception->residency);
      }
    }
    if (done.ok() || !done.error().retryable || attempt >= 4) return done;
  }
}

}  // namespace wasl::app
