// EventBridgeVerifier: sdk::WebhookVerifier for the Chime events an
// EventBridge API destination POSTs to /v1/webhooks/{instance}.
//
// Authentication: the API destination's connection sends a secret header
// (settings eventbridge.header_name, default x-wasl-eventbridge-secret) whose
// value must equal eventbridge.header_value (or the instance secret
// "eventbridge_secret"); compared in constant time over SHA-256 digests with
// OpenSSL's CRYPTO_memcmp. No configured secret refuses every request.
//
// Normalization (Event::room_id = detail.meetingId, the correlation key; for
// a meeting that replaced an expired one, the room's first meeting id, which
// the hub correlates by):
//   chime:MeetingStarted                → room.started
//   chime:MeetingEnded                  → room.ended, except for a first
//                                         meeting of this instance that
//                                         nobody ever connected to (it
//                                         expired; the next join recreates
//                                         it): no event
//   chime:AttendeeJoined                → participant.connected (and
//                                         remembered per meeting)
//   chime:AttendeeLeft, AttendeeDropped → participant.disconnected
//   chime:MediaPipelineInProgress       → recording.started
//   chime:MediaPipelineDeleted          → recording.completed for a capture,
//                                         composition.completed for a
//                                         concatenation (known from the
//                                         instance's state; unknown pipelines
//                                         count as captures)
//   chime:MediaPipelinePermanentFailure → recording.failed
// Other Chime event types (AttendeeAdded, AttendeeVideoStarted, …) are
// accepted and yield no event. occurred_at_ms is the envelope's "time", else
// detail.timestamp. dedupe_key is "chime:" + the envelope's id (EventBridge
// keeps it across redeliveries), or, for an event without one, a SHA-256 of
// its detail-type and detail.
//
// Errors: kUnauthenticated (missing or wrong secret), kInvalidArgument (not a
// Chime EventBridge event). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/chime/settings.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::plugins::chime {

class EventBridgeVerifier final : public wasl::sdk::WebhookVerifier {
 public:
  // `host` outlives the verifier.
  EventBridgeVerifier(wasl::sdk::Host& host, ChimeSettings settings);

  wasl::sdk::Result<std::vector<wasl::sdk::Event>> verify(
      const wasl::sdk::WebhookRequest& request) override;

  // The normalized events of one parsed EventBridge event (none for a type
  // Wasl does not use). kInvalidArgument when it is not a Chime event.
  wasl::sdk::Result<std::vector<wasl::sdk::Event>> normalize(const nlohmann::json& event);

 private:
  wasl::sdk::Status authenticate(const wasl::sdk::WebhookRequest& request) const;

  wasl::sdk::Result<std::optional<nlohmann::json>> stored(const std::string& key);

  wasl::sdk::Host& host_;
  const ChimeSettings settings_;
};

// Whether `a` equals `b`, in time independent of where they differ and of
// their lengths (compares SHA-256 digests with CRYPTO_memcmp).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace wasl::plugins::chime
