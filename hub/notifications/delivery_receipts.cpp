#include "hub/notifications/delivery_receipts.hpp"

#include "hub/audit/audit_writer.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/notifications/outbox_store.hpp"

namespace wasl::notifications {

sdk::Result<bool> take_receipt(storage::Transaction& tx, const std::string& instance,
                               const workflow::IncomingEvent& event,
                               observability::Metrics* metrics,
                               const RaiseNotificationAlert& alert) {
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
    if (metrics != nullptr) {
      metrics->counter_add("wasl_notifications_failed_total", "Notifications that will not arrive.",
                           {{"kind", row->kind}, {"channel", row->channel}}, 1);
    }
    if (alert) {
      alert(NotificationAlert{row->facility_id, instance, row->id, row->consultation_id, row->kind,
                              row->channel, std::string(kUndelivered)});
    }
  }
  return true;
}

}  // namespace wasl::notifications
