#include "hub/webhooks/feed_intake.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "hub/observability/stage_buckets.hpp"
#include "hub/webhooks/inbox_event.hpp"
#include "hub/webhooks/webhook_dispatcher.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::webhooks {

namespace {

// The reply that sends nothing and closes: the sender resends later.
mllp::MllpReply hang_up() { return mllp::MllpReply{{}, true}; }

}  // namespace

FeedIntake::FeedIntake(const WebhookContext& context, WebhookSource source)
    : context_(context), source_(std::move(source)) {}

void FeedIntake::count(const char* outcome) const {
  if (context_.metrics == nullptr) return;
  context_.metrics->counter_add("wasl_feed_messages_total",
                                "Messages read by the MLLP listeners, by instance and outcome",
                                {{"instance", source_.instance}, {"outcome", outcome}});
}

mllp::MllpReply FeedIntake::handle(const mllp::MllpMessage& message) const {
  sdk::FeedMessage request;
  request.data_base64 = sdk::base64_encode(message.data);
  request.peer_address = message.peer_address;
  request.received_at_ms = message.received_at_ms;
  request.truncated = message.truncated;

  const auto started = std::chrono::steady_clock::now();
  auto answer = source_.feed->accept(request);
  if (context_.metrics != nullptr) {
    context_.metrics->histogram_observe(
        "wasl_feed_accept_seconds", "Time the feed plugin took to read one message",
        {{"instance", source_.instance}},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
        observability::stage_buckets());
  }
  if (!answer.ok()) {
    const bool unreadable = answer.error().code == sdk::ErrorCode::kInvalidArgument;
    count(unreadable ? "unreadable" : "feed_error");
    spdlog::warn("feed instance {}: a message from {} was not answered ({}): {}", source_.instance,
                 message.peer_address, unreadable ? "unreadable" : "error", answer.error().message);
    return hang_up();
  }
  auto ack = sdk::base64_decode(answer->ack_base64);
  if (!ack) {
    count("feed_error");
    spdlog::error("feed instance {} answered an acknowledgement that is not base64",
                  source_.instance);
    return hang_up();
  }
  if (context_.contacts != nullptr) {
    context_.contacts->heard(source_.instance, message.received_at_ms);
  }
  if (message.truncated) {
    // Too long to store: the plugin's refusal goes back, then the connection closes.
    count("too_large");
    return mllp::MllpReply{std::move(*ack), true};
  }
  if (!answer->accepted) {
    spdlog::info("feed instance {} refused message {} from {}: {}", source_.instance,
                 answer->message_id, answer->sender, answer->reason);
  }
  if (answer->events.empty()) {
    count(answer->accepted ? "no_events" : "refused");
    return mllp::MllpReply{std::move(*ack), false};
  }
  if (answer->events.size() > sdk::kMaxWebhookEvents) {
    count("feed_error");
    spdlog::error("feed instance {} answered {} events for one message, more than {}",
                  source_.instance, answer->events.size(), sdk::kMaxWebhookEvents);
    return hang_up();
  }

  sdk::WebhookRequest stored;
  stored.method = "MLLP";
  stored.url = "mllp://" + source_.instance;
  stored.headers.emplace_back("x-peer-address", message.peer_address);
  stored.body = message.data;
  auto entries = inbox_entries(source_, stored, answer->events, message.received_at_ms);
  sdk::Result<std::vector<records::InboxInsertOutcome>> outcomes =
      entries.ok() ? context_.writer->write(std::move(entries).value()) : entries.error();
  if (!outcomes.ok()) {
    count("store_error");
    spdlog::error("feed instance {}: message {} could not be stored, left unacknowledged: {}",
                  source_.instance, answer->message_id, outcomes.error().message);
    return hang_up();
  }
  bool inserted = false;
  for (auto o : *outcomes) inserted = inserted || o == records::InboxInsertOutcome::kInserted;
  if (inserted) {
    count(answer->accepted ? "accepted" : "refused_kept");
    if (context_.dispatcher != nullptr) context_.dispatcher->wake();
  } else {
    count("duplicate");
  }
  return mllp::MllpReply{std::move(*ack), false};
}

}  // namespace wasl::webhooks
