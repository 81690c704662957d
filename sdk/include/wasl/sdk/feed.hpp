// feed.hpp: a message feed the hub listens for on a plugin's behalf (SDK 1.5).
// The hub owns the socket (HL7 v2 over MLLP: framing, size and time bounds,
// connection limits); the plugin owns the message format. For each message
// the hub's listener has read whole, it calls accept() and then:
//   1. stores every event of the answer in the inbox (deduplicated by each
//      event's dedupe_key) and commits;
//   2. only then sends `ack` back on the connection (or nothing when `ack`
//      is empty), so a sender that got an acknowledgement may forget the
//      message;
//   3. dispatches the stored events like a webhook's (reactions, runs
//      waiting for them, the unmatched list).
// A message the hub cannot store gets no acknowledgement at all: the sender
// sends it again, and the same dedupe_key makes it one inbox row.
//
// Error contract of accept():
// - success: the answer, also for a message the plugin refuses (an
//   acknowledgement saying so, with events or none);
// - kInvalidArgument: bytes the plugin cannot even answer (no header it can
//   read); the hub closes the connection without storing anything;
// - anything else: the hub sends nothing, keeps nothing and closes the
//   connection (the sender resends later).
// accept() may keep what the message says in the instance's state
// (Host::state_put) for later reads, keyed so that a message delivered twice
// or late never overwrites a newer one. It makes no other outside effect.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::sdk {

// One message as the listener read it.
struct FeedMessage {
  std::string data_base64;   // its bytes, framing removed, in base64 (any character set)
  std::string peer_address;  // the sender's IP address
  std::int64_t received_at_ms = 0;
  // The message was longer than the listener allows: data holds only its
  // first bytes, and the connection is closed after the answer's `ack` (a
  // refusal) is sent. Events of a truncated message are not stored.
  bool truncated = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FeedMessage, data_base64, peer_address,
                                                received_at_ms, truncated)

// What to keep of the message and what to send back.
struct FeedAnswer {
  std::string sender;         // who sent it, as its header names the sender
  std::string message_id;     // the sender's id for the message (HL7 v2: MSH-10)
  std::vector<Event> events;  // stored, then dispatched; each dedupe_key stable across resends
  std::string ack_base64;     // sent once the events are stored; empty sends nothing
  bool accepted = true;       // false: the acknowledgement refuses the message
  std::string reason;         // when refused: one sentence, no PHI, for logs and metrics
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FeedAnswer, sender, message_id, events, ack_base64,
                                                accepted, reason)

class MessageFeed {
 public:
  virtual ~MessageFeed() = default;
  static constexpr std::string_view kAccept = "feed.accept";
  virtual Result<FeedAnswer> accept(const FeedMessage& message) = 0;
};

}  // namespace wasl::sdk
