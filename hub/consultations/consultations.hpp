// The consultations feature's one registration call. app/ makes it at
// start-up, after the engine is built and before anything starts; it adds
// everything this folder does beside the API's routes:
//   - hub.set_status and hub.describe_consultation (consultation_actions.hpp);
//   - hub.alert (consultation_alerts.hpp);
//   - the observer of ehr.read_appointment that keeps a scheduled
//     consultation's start at its EHR appointment's (appointment_start.hpp);
//   - the reaction to "appointment.updated" and the task that books and
//     cancels consultations from the facility's EHR (ehr_bookings.hpp);
//   - the reaction to "participant.connected" and the task that disconnects
//     a removed participant again (rejoin_guard.hpp).
#pragma once

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::consultations {

// What the feature works with; all borrowed, and must outlive the
// HubActions and TaskRunner it registers with. `audit` and `metrics` may
// be null (tests only).
struct ConsultationServices {
  const config::Config* config = nullptr;
  const records::CellCipher* cipher = nullptr;
  workflow::Engine* engine = nullptr;
  const plugin_host::PluginHost* plugins = nullptr;
  const audit::AuditWriter* audit = nullptr;
  observability::Metrics* metrics = nullptr;
};

// Registers the actions, reactions and task handlers above. Errors: a
// second registration of any of them (kAlreadyExists).
sdk::Status add_consultations(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                              const ConsultationServices& services);

}  // namespace wasl::consultations
