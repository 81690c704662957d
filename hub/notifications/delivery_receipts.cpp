#include "hub/notifications/delivery_receipts.hpp"

#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/notifications/outbox_store.hpp"

namespace wasl::notifications {

sdk::Result<bool> take_receipt(storage::Transaction& tx, const std::string& instance,
                               const workflow::IncomingEvent& event) {
  const bool delivered = event.type == "notification.delivered";
  if ((!delivered && event.type != "notification.failed") || instance.rfind("notify.", 0) != 0 ||
      event.correlation.empty()) {
    return false;
  }
  WASL_ASSIGN_OR_RETURN(
      auto row, OutboxStore::by_provider_id(tx, event.facility_id, instance, event.correlation));
  if (!row) {
    WASL_ASSIGN_OR_RETURN(bool sending, OutboxStore::any_sending(tx, event.facility_id, instance));
    if (sending) {
      return sdk::Error(sdk::ErrorCode::kUnavailable,
                        "a receipt of " + instance +
                            " names no message yet; one of the facility's is still being sent",
                        true);
    }
    return false;
  }
  const std::int64_t now = audit::now_epoch_ms();
  WASL_ASSIGN_OR_RETURN(
      bool moved,
      OutboxStore::record_receipt(
          tx, event.facility_id, row->id, delivered ? kDelivered : kFailed,
          delivered ? std::nullopt : std::optional<std::string_view>(kUndelivered), now));
  if (moved && !delivered) {
    const nlohmann::json payload = {{"facility_id", row->facility_id},
                                    {"instance", instance},
                                    {"notification_id", row->id},
                                    {"consultation_id", row->consultation_id},
                                    {"kind", row->kind},
                                    {"channel", row->channel}};
    WASL_RETURN_IF_ERROR(jobs::JobQueue::request_task(
        tx, kUndeliveredTask, "notification-undelivered/" + row->facility_id + "/" + row->id,
        payload, now, now));
  }
  return true;
}

UndeliveredAlerter::UndeliveredAlerter(observability::Metrics* metrics,
                                       RaiseNotificationAlert alert)
    : metrics_(metrics), alert_(std::move(alert)) {}

sdk::Result<jobs::TaskSettlement> UndeliveredAlerter::run(const jobs::Task& task) {
  auto field = [&](const char* name) { return task.payload.value(name, std::string()); };
  if (metrics_ != nullptr) {
    metrics_->counter_add("wasl_notifications_failed_total", "Notifications that will not arrive.",
                          {{"kind", field("kind")}, {"channel", field("channel")}}, 1);
  }
  if (alert_) {
    alert_(NotificationAlert{field("facility_id"), field("instance"), field("notification_id"),
                             field("consultation_id"), field("kind"), field("channel"),
                             std::string(kUndelivered)});
  }
  return jobs::TaskSettlement{};
}

sdk::Status UndeliveredAlerter::give_up(storage::Transaction& /*tx*/, const jobs::Task& /*task*/,
                                        const sdk::Error& /*error*/) {
  return {};  // run() never fails
}

}  // namespace wasl::notifications
