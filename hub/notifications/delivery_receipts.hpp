// Delivery receipts: the reaction to "notification.delivered" and
// "notification.failed" (HubActions::react), the events a notify plugin's
// webhook turns the provider's receipts into (Event::resource_id = the
// provider's id of the message, the event's correlation).
//
// In the dispatcher's transaction, the facility's message that `instance`
// sent under that provider id moves from "sent" to "delivered", or to
// "failed" (reason undelivered: counted in
// wasl_notifications_failed_total and alerted). A receipt for a message
// already settled changes nothing and is taken (a redelivery). A receipt
// no message of the facility matches is not taken (the inbox row stays
// unmatched, listed and replayable), unless one of the facility's messages
// on that instance is still being sent, or waits to be tried again after an
// attempt: the provider may have answered its receipt before the hub
// recorded the provider's id (a slow answer, or one lost after the provider
// took the message, which the next attempt gets back), so the receipt fails
// as retryable and the dispatcher delivers it again after its backoff.
//
// The metric and the alert are raised in the dispatcher's transaction,
// before it commits: a dispatch that fails after and is retried may raise
// them twice. Thread-safe: stateless.
#pragma once

#include <string>

#include "hub/notifications/notification_sender.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

sdk::Result<bool> take_receipt(storage::Transaction& tx, const std::string& instance,
                               const workflow::IncomingEvent& event,
                               observability::Metrics* metrics,
                               const RaiseNotificationAlert& alert);

}  // namespace wasl::notifications
