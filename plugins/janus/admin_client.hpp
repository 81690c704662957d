// AdminClient: the Janus admin API (POST <admin_url>) as the plugin uses it:
// core token requests (add_token, remove_token) and synchronous VideoRoom
// requests (message_plugin: create, exists, allowed, kick, listparticipants,
// destroy, enable_recording), through the host's HTTP client only.
//
// Every answer is outside input: parse_admin_answer() reads it within a JSON
// budget and maps Janus's errors (the core's `janus: error` codes, the
// VideoRoom's `error_code`) to retryable or permanent sdk errors; it never
// throws. Thread-safe (no state of its own).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plugins/janus/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::janus {

// Janus core error codes (janus/apierror.h) the plugin tells apart.
inline constexpr int kJanusUnauthorized = 403;
inline constexpr int kJanusUnauthorizedPlugin = 405;
inline constexpr int kJanusPluginNotFound = 460;
inline constexpr int kJanusTokenNotFound = 470;
inline constexpr int kJanusNotAcceptingSessions = 472;
inline constexpr int kJanusUnknown = 490;

// VideoRoom error codes (plugins/janus_videoroom.c).
inline constexpr int kRoomUnknownError = 499;
inline constexpr int kRoomNoSuchRoom = 426;
inline constexpr int kRoomExists = 427;
inline constexpr int kRoomNoSuchFeed = 428;
inline constexpr int kRoomTooManyPublishers = 432;
inline constexpr int kRoomUnauthorized = 433;

// An admin API answer, read: for a core request its whole document, for a
// plugin request the plugin's `response` object. `error_code` keeps Janus's
// code beside the mapped sdk error so callers can accept some (a room already
// gone) as success.
struct AdminFailure {
  int janus_code = 0;  // 0 when the failure is not Janus's own (HTTP, parse)
  wasl::sdk::Error error;
};

// Reads one admin API answer. `plugin_request` says whether it answers a
// message_plugin (the plugin's `response` is returned, and its error_code
// checked). A failure sets `failure.error`, with Janus's own code in
// `failure.janus_code`:
// - HTTP 429: kResourceExhausted, retryable; 5xx: kUnavailable, retryable;
//   401/403: kUnauthenticated; other non-200: kFailedPrecondition;
// - a body that is not JSON within the budget, or not the expected shape:
//   kUnavailable, retryable (a proxy's page, a truncated answer);
// - core 403/405: kUnauthenticated (the admin secret was refused); 470:
//   kNotFound; 472 and 490: kUnavailable, retryable; 460: kFailedPrecondition;
//   other core codes: kInternal;
// - VideoRoom 426/428: kNotFound; 427: kAlreadyExists; 433:
//   kPermissionDenied; 432: kResourceExhausted (not retryable); 499:
//   kUnavailable, retryable; other codes: kInvalidArgument.
struct AdminAnswer {
  bool ok = false;          // false: see `failure`
  nlohmann::json document;  // when ok
  AdminFailure failure;
};
AdminAnswer parse_admin_answer(int http_status, std::string_view body, bool plugin_request);

class AdminClient {
 public:
  AdminClient(wasl::sdk::Host& host, const JanusSettings& settings)
      : host_(host), settings_(settings) {}

  // A core request ("add_token", "remove_token", "list_tokens"): `request`
  // gets janus, transaction and admin_secret added.
  AdminAnswer core(std::string_view janus, nlohmann::json request);

  // A synchronous VideoRoom request through message_plugin.
  AdminAnswer videoroom(nlohmann::json request);

 private:
  AdminAnswer send(nlohmann::json document, bool plugin_request);

  wasl::sdk::Host& host_;
  const JanusSettings& settings_;
};

}  // namespace wasl::plugins::janus
