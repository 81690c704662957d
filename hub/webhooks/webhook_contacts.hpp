// WebhookContacts: when the hub last heard from each instance that sends to
// it (table webhook_contacts, migration 0044), shared by every hub on the
// database. An EHR sends its notifications, and heartbeats between them;
// when nothing has arrived for longer than its heartbeat, its subscription
// or its sender has stopped, and the alert rule ehr.silent
// (hub/alerts/alert_rules.hpp) says so.
//
// heard(): a request from `instance` verified (a webhook whose signature
// and body the plugin accepted, events or not: heartbeats and handshakes
// count; an MLLP message the feed plugin read). Written at most once per
// `every` per instance by this hub, so the path of a webhook costs a write
// only now and then; a failed write is logged and tried at the next request.
// last_heard(): the latest time any hub wrote for each instance asked.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::webhooks {

class WebhookContacts {
 public:
  // `store` must outlive the object.
  explicit WebhookContacts(storage::Store& store,
                           std::chrono::milliseconds every = std::chrono::seconds(10))
      : store_(store), every_(every) {}

  void heard(const std::string& instance, std::int64_t at_ms);

  // Instance -> epoch ms of the latest request heard; an instance never
  // heard from is absent.
  sdk::Result<std::map<std::string, std::int64_t>> last_heard(
      const std::vector<std::string>& instances);

 private:
  storage::Store& store_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::map<std::string, std::int64_t, std::less<>> written_;  // instance -> last_at written
};

}  // namespace wasl::webhooks
