// WebhookSources: which verifier answers POST /v1/webhooks/{instance}, and
// which facilities its events belong to.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/feed.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::webhooks {

struct WebhookSource {
  std::string instance;                            // the name in the URL
  std::shared_ptr<sdk::WebhookVerifier> verifier;  // thread-safe; null for a feed-only instance
  // The facilities the instance serves. Events are delivered to each of them
  // (the engine's correlation picks the run). Empty: the events are stored
  // and parked, since no workflow could ever receive them.
  std::vector<std::string> facilities;
  // Set for an instance whose plugin declares the feed capability (its
  // messages arrive over the MLLP listener, feed_intake.hpp); thread-safe.
  std::shared_ptr<sdk::MessageFeed> feed;
};

// Thread-safe once built.
class WebhookSources {
 public:
  virtual ~WebhookSources() = default;
  // kNotFound when no instance of that name takes webhooks or feed messages.
  virtual sdk::Result<WebhookSource> find(std::string_view instance) const = 0;
  // The instances that serve `facility_id`. An event of an instance serving
  // several facilities is stored without a facility; left unmatched it
  // concerns each facility the instance serves.
  virtual std::vector<std::string> instances_serving(std::string_view facility_id) const = 0;
};

}  // namespace wasl::webhooks
