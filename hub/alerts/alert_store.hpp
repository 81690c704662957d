// AlertStore: the hub's alerts in the database (tables alerts and
// alert_states, migration 0042), shared by every hub on it.
//
// record() writes an alert only when it is news across the hubs:
//   - a change of an instance's state (InstanceAlert::state) is news when
//     it changes the instance's shared state: the first hub to see an
//     instance fail writes "instance.failing", the others write nothing; the
//     first to see it answer again writes "instance.recovered". A hub that
//     sees an instance healthy first (state unknown to it before) ends a
//     failure another hub saw. An instance nobody saw before is news only
//     when it fails.
//   - an alert with a dedup_key is news the first time the key is written;
//   - any other alert is news.
// Alerts are numbered in the order they commit (writers take one lock, so
// a reader polling with after_id never skips a later commit of a smaller
// id).
//
// list() is what a facility may see: the alerts about it, the alerts about
// an instance (facility_id NULL) it binds, and the hub's own ("hub").
//
// Thread-safe: every call is its own transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/plugin_host/instance_health.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::alerts {

// The instance name of the hub's own alerts (its TLS listener), which every
// facility sees.
inline constexpr const char* kHubSubject = "hub";

class AlertStore {
 public:
  // `store` must outlive the object.
  explicit AlertStore(storage::Store& store) : store_(store) {}

  // Writes `alert` when it is news (above); its id, or nullopt when it was
  // not news.
  sdk::Result<std::optional<std::int64_t>> record(const plugin_host::InstanceAlert& alert);

  // The alerts `facility_id` may see among those `instances` (the instances
  // it binds) with id > after_id, newest first, at most `limit`.
  sdk::Result<std::vector<plugin_host::InstanceAlert>> list(
      const std::string& facility_id, const std::set<std::string, std::less<>>& instances,
      std::int64_t after_id, std::size_t limit);

  // Deletes at most `limit` alerts raised before `before_ms`; how many went.
  sdk::Result<std::int64_t> purge_before(std::int64_t before_ms, int limit);

 private:
  storage::Store& store_;
};

}  // namespace wasl::alerts
