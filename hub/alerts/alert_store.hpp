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
//   - a rule's condition (InstanceAlert::state_key set, alert_rules.hpp) is
//     a shared state of its own, news on the same terms, with the kind the
//     rule names;
//   - an alert with a dedup_key is news the first time the key is written;
//   - any other alert is news.
// Alerts are numbered in the order they commit (writers take one lock, so
// a reader polling with after_id never skips a later commit of a smaller
// id).
//
// list() is what a facility may see: the alerts about it, the alerts about
// an instance (facility_id NULL) it binds, and the hub's own ("hub").
//
// Deliveries (table alert_deliveries): an alert written is queued, in its
// own transaction, for each target the routing names (AlertRouting).
// claim_deliveries() hands a hub the deliveries due, at most one per
// facility and target (the oldest: each target's alerts arrive in order, and
// one target that does not answer holds up only its own queue), each held by
// that hub until `hold_until`; a second hub claiming at once gets others.
// delivered(), retry() and give_up() settle a claimed delivery.
//
// Thread-safe: every call is its own transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/alerts/alert_routing.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::alerts {

// The instance name of the hub's own alerts (its TLS listener), which every
// facility sees.
inline constexpr const char* kHubSubject = "hub";

// Which targets an alert goes to (AlertRouting::route); empty: none.
using AlertRouter = std::function<std::vector<DeliveryTarget>(const plugin_host::InstanceAlert&)>;

// A delivery claimed for sending, with its alert.
struct Delivery {
  std::string facility_id;
  std::string target;
  int attempts = 0;  // this send included
  plugin_host::InstanceAlert alert;
};

class AlertStore {
 public:
  // `store` must outlive the object.
  explicit AlertStore(storage::Store& store, AlertRouter router = {})
      : store_(store), router_(std::move(router)) {}

  // Writes `alert` when it is news (above); its id, or nullopt when it was
  // not news.
  sdk::Result<std::optional<std::int64_t>> record(const plugin_host::InstanceAlert& alert);

  // The alerts `facility_id` may see among those `instances` (the instances
  // it binds) with id > after_id, newest first, at most `limit`.
  sdk::Result<std::vector<plugin_host::InstanceAlert>> list(
      const std::string& facility_id, const std::set<std::string, std::less<>>& instances,
      std::int64_t after_id, std::size_t limit);

  // Deletes at most `limit` alerts raised before `before_ms` (their
  // deliveries with them); how many went.
  sdk::Result<std::int64_t> purge_before(std::int64_t before_ms, int limit);

  // At most `limit` deliveries due at `now_ms`, held until `hold_until_ms`.
  sdk::Result<std::vector<Delivery>> claim_deliveries(std::int64_t now_ms,
                                                      std::int64_t hold_until_ms, int limit);
  sdk::Status delivered(const Delivery& delivery, std::int64_t now_ms);
  // Due again at `next_at_ms`; `error` in the hub's words.
  sdk::Status retry(const Delivery& delivery, std::int64_t next_at_ms, const std::string& error);
  sdk::Status give_up(const Delivery& delivery, const std::string& error);
  // The state of each delivery of `alert_id` as "facility target state attempts".
  sdk::Result<std::vector<std::string>> delivery_states(std::int64_t alert_id);

 private:
  sdk::Status settle(const Delivery& delivery, const std::string& state, std::int64_t next_at_ms,
                     const storage::Value& error, const storage::Value& delivered_at);

  storage::Store& store_;
  AlertRouter router_;
};

}  // namespace wasl::alerts
