// The notifications feature's one registration call. app/ makes it at
// start-up, before HubActions::complete(); it adds:
//   - hub.notify (notify_action.hpp);
//   - the observer of ehr.read_patient that keeps the patient's contact for
//     the run's consultation (patient_contact.hpp);
//   - the reactions to "notification.delivered" and "notification.failed"
//     (delivery_receipts.hpp) and the task that alerts a failed delivery
//     once the receipt's transaction has committed.
// The sender (notification_sender.hpp) is a periodic job App builds; the
// consultation's life queues its notices through consultation_notices.hpp,
// called by hub/consultations and hub/api.
#pragma once

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/notifications/notification_sender.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

// What the feature works with; borrowed, and must outlive the HubActions it
// registers with. `audit` and `metrics` may be null (tests only) and
// `alert` empty.
struct NotificationServices {
  const config::Config* config = nullptr;
  const records::CellCipher* cipher = nullptr;
  const audit::AuditWriter* audit = nullptr;
  observability::Metrics* metrics = nullptr;
  RaiseNotificationAlert alert;
};

// Errors: a second registration of any of them (kAlreadyExists).
sdk::Status add_notifications(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                              const NotificationServices& services);

}  // namespace wasl::notifications
