// Delivery receipts: the reaction to "notification.delivered" and
// "notification.failed" (HubActions::react), the events a notify plugin's
// webhook turns the provider's receipts into (Event::resource_id = the
// provider's id of the message, the event's correlation).
//
// In the dispatcher's transaction, the facility's message that `instance`
// sent under that provider id moves from "sent" to "delivered", or to
// "failed" (reason undelivered). A failure also asks, in the same
// transaction, for the task kUndeliveredTask keyed by the message: once the
// transaction commits, UndeliveredAlerter counts it in
// wasl_notifications_failed_total and alerts operators. A receipt for a message
// already settled changes nothing and is taken (a redelivery). A receipt
// no message of the facility matches is not taken (the inbox row stays
// unmatched, listed and replayable), unless one of the facility's messages
// on that instance is still being sent, or waits to be tried again after an
// attempt: the provider may have answered its receipt before the hub
// recorded the provider's id (a slow answer, or one lost after the provider
// took the message, which the next attempt gets back), so the receipt fails
// as retryable and the dispatcher delivers it again after its backoff.
//
// A dispatch that is rolled back and retried asks for the task again in its
// new transaction, so the metric and the alert are raised once per failed
// message (twice only if a hub dies between raising them and settling the
// task, the task runner's at-least-once). Thread-safe: stateless.
#pragma once

#include <string>

#include "hub/jobs/task_runner.hpp"
#include "hub/notifications/notification_sender.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

inline constexpr const char* kUndeliveredTask = "task.notification_undelivered";

sdk::Result<bool> take_receipt(storage::Transaction& tx, const std::string& instance,
                               const workflow::IncomingEvent& event);

// The handler of kUndeliveredTask: raises the metric and the alert of the
// failed message its payload names, outside any transaction. `metrics` may
// be null and `alert` empty (tests).
class UndeliveredAlerter final : public jobs::TaskHandler {
 public:
  UndeliveredAlerter(observability::Metrics* metrics, RaiseNotificationAlert alert);
  sdk::Result<jobs::TaskSettlement> run(const jobs::Task& task) override;
  sdk::Status give_up(storage::Transaction& tx, const jobs::Task& task,
                      const sdk::Error& error) override;

 private:
  observability::Metrics* metrics_;
  RaiseNotificationAlert alert_;
};

}  // namespace wasl::notifications
