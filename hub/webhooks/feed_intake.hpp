// FeedIntake: what the hub does with one message its MLLP listener read for
// a plugin instance's feed (sdk/include/wasl/sdk/feed.hpp).
//
//   1. the instance's feed capability answers the events and the
//      acknowledgement (feed.accept);
//   2. the events become inbox rows (inbox_event.hpp: the raw message is the
//      row's body, encrypted; deduplicated by each event's dedupe_key) in one
//      group commit (InboxWriter);
//   3. only after that commit is the acknowledgement handed back to the
//      listener to send; the dispatcher is woken.
// A message that cannot be stored gets no acknowledgement and its
// connection is closed: the sender sends it again, and the dedupe keys make
// the resend one row. A duplicate gets the acknowledgement again.
//
// Thread-safe: handle() is called from the listener's workers at once; it
// only reads the context.
#pragma once

#include <string>

#include "hub/mllp/mllp_listener.hpp"
#include "hub/webhooks/webhook_context.hpp"
#include "hub/webhooks/webhook_sources.hpp"

namespace wasl::webhooks {

class FeedIntake {
 public:
  // `source.feed` must be set. `context` must outlive the intake; its store,
  // inbox writer and (optional) dispatcher and metrics are used.
  FeedIntake(const WebhookContext& context, WebhookSource source);

  // The reply the listener writes back on the message's connection.
  mllp::MllpReply handle(const mllp::MllpMessage& message) const;

  const std::string& instance() const { return source_.instance; }

 private:
  void count(const char* outcome) const;

  const WebhookContext& context_;
  WebhookSource source_;
};

}  // namespace wasl::webhooks
