#include "hub/consultations/consultations.hpp"

#include <memory>

#include "hub/consultations/appointment_start.hpp"
#include "hub/consultations/consultation_actions.hpp"
#include "hub/consultations/consultation_alerts.hpp"
#include "hub/consultations/ehr_bookings.hpp"
#include "hub/consultations/rejoin_guard.hpp"

namespace wasl::consultations {

sdk::Status add_consultations(workflow::HubActions& actions, jobs::TaskRunner& tasks,
                              const ConsultationServices& s) {
  WASL_RETURN_IF_ERROR(add_consultation_actions(actions, *s.config, *s.cipher));
  WASL_RETURN_IF_ERROR(add_alert_action(actions, *s.config, s.plugins->health()));
  WASL_RETURN_IF_ERROR(actions.observe(
      std::string(sdk::EhrConnector::kReadAppointment),
      [audit = s.audit, config = s.config](const workflow::HubActionContext& ctx,
                                           const nlohmann::json& input,
                                           const sdk::Result<nlohmann::json>& result) {
        return follow_appointment_start(audit, ctx, input, result, config);
      }));

  const plugin_host::PluginHost* plugins = s.plugins;
  auto bookings = std::make_shared<EhrBookings>(
      *s.config, *s.cipher, *s.engine,
      [plugins](const std::string& instance) { return plugins->ehr(instance); }, s.audit);
  WASL_RETURN_IF_ERROR(actions.react(
      "appointment.updated", [bookings](storage::Transaction& tx, const std::string& instance,
                                        const workflow::IncomingEvent& event) {
        return bookings->react(tx, instance, event);
      }));
  WASL_RETURN_IF_ERROR(tasks.handle(kEhrBookingTask, bookings));

  auto guard = std::make_shared<RejoinGuard>(
      *s.cipher, [plugins](const std::string& instance) { return plugins->video(instance); },
      s.audit, s.metrics);
  WASL_RETURN_IF_ERROR(actions.react(
      "participant.connected",
      [guard](storage::Transaction& tx, const std::string& instance,
              const workflow::IncomingEvent& event) { return guard->react(tx, instance, event); }));
  return tasks.handle(kEvictionTask, guard);
}

}  // namespace wasl::consultations
