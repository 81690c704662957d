#include "hub/notifications/notifications.hpp"

#include "hub/notifications/delivery_receipts.hpp"
#include "hub/notifications/notify_action.hpp"
#include "hub/notifications/patient_contact.hpp"
#include "wasl/sdk/ehr.hpp"

namespace wasl::notifications {

sdk::Status add_notifications(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                              const NotificationServices& s) {
  WASL_RETURN_IF_ERROR(add_notify_action(actions, *s.config));
  WASL_RETURN_IF_ERROR(
      actions.observe(std::string(sdk::EhrConnector::kReadPatient),
                      [config = s.config, cipher = s.cipher, audit = s.audit](
                          const workflow::HubActionContext& ctx, const nlohmann::json& input,
                          const sdk::Result<nlohmann::json>& result) {
                        return record_patient_contact(*config, *cipher, audit, ctx, input, result);
                      }));
  for (const char* type : {"notification.delivered", "notification.failed"}) {
    WASL_RETURN_IF_ERROR(actions.react(
        type,
        [](storage::Transaction& tx, const std::string& instance,
           const workflow::IncomingEvent& event) { return take_receipt(tx, instance, event); }));
  }
  return tasks.handle(kUndeliveredTask, std::make_shared<UndeliveredAlerter>(s.metrics, s.alert));
}

}  // namespace wasl::notifications
