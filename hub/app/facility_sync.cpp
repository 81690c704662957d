#include "hub/app/facility_sync.hpp"

#include <chrono>

#include "hub/access/facility_store.hpp"

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

}  // namespace wasl::app
