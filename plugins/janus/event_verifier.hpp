// JanusEventVerifier: sdk::WebhookVerifier for the events Janus's HTTP event
// handler (sampleevh) posts to /v1/webhooks/<instance>.
//
// The handler authenticates with HTTP basic auth (backend_user,
// backend_pwd); the credential is compared in constant time and a request
// without it, or with another, is kUnauthenticated and yields nothing. The
// body is one event or, with grouping on, an array of them (at most
// sdk::kMaxWebhookEvents, else kResourceExhausted). Only VideoRoom plugin
// events (type 64) are mapped: "joined" → participant.connected, "leaving"
// → participant.disconnected, "destroyed" → room.ended, with the room
// number as room_id and the feed id as participant_id (the ids
// JanusVideoProvider hands out); every other event is ignored. Pure over
// the request and the settings; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "plugins/janus/settings.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::plugins::janus {

// Maps a sampleevh body (already authenticated) to events. Errors:
// kInvalidArgument for a body that is not JSON within the budget or not an
// object or array; kResourceExhausted for more than kMaxWebhookEvents items.
wasl::sdk::Result<std::vector<wasl::sdk::Event>> map_janus_events(std::string_view body);

class JanusEventVerifier final : public wasl::sdk::WebhookVerifier {
 public:
  explicit JanusEventVerifier(JanusSettings settings);

  wasl::sdk::Result<std::vector<wasl::sdk::Event>> verify(
      const wasl::sdk::WebhookRequest& request) override;

 private:
  const JanusSettings settings_;
  std::string expected_authorization_;  // "Basic base64(user:password)"; empty = refuse all
};

}  // namespace wasl::plugins::janus
