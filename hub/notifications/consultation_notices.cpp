#include "hub/notifications/consultation_notices.hpp"

#include "hub/notifications/join_links.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/notifications/outbox_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/storage/row_id.hpp"

namespace wasl::notifications {
namespace {

const config::FacilityNotificationsConfig* settings_of(const config::Config& config,
                                                       std::string_view facility_id) {
  auto f = config.facilities.find(std::string(facility_id));
  if (f == config.facilities.end() || !f->second.notifications) return nullptr;
  return &*f->second.notifications;
}

// A no-show's patient did not come: no notice that it is cancelled.
constexpr std::string_view kNoShowReason = "no_show";

}  // namespace

sdk::Result<std::vector<std::string>> queue_message(storage::Transaction& tx,
                                                    const config::Config& config,
                                                    std::string_view facility_id,
                                                    std::string_view consultation_id,
                                                    std::string_view kind, std::int64_t now_ms,
                                                    std::string_view occurrence) {
  if (!is_message_kind(kind)) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "\"" + std::string(kind) +
                          "\" is not a message kind (invitation, reminder_24h, reminder_1h, "
                          "clinician_ready, cancellation, reschedule, visit_summary, feedback)",
                      false);
  }
  std::vector<std::string> queued;
  const config::FacilityNotificationsConfig* settings = settings_of(config, facility_id);
  if (settings == nullptr) return queued;
  // A visit summary's message is sent by every facility that sends
  // notifications, in its built-in texts (it is not one of the configured
  // kinds).
  const config::NotificationMessageConfig* message = settings->messages.find(kind);
  if (kind != kVisitSummary && (message == nullptr || !message->enabled)) return queued;
  WASL_ASSIGN_OR_RETURN(auto facts,
                        records::ConsultationStore::facts(tx, facility_id, consultation_id));
  if (!facts) {
    return sdk::Error(sdk::ErrorCode::kNotFound,
                      "consultation " + std::string(consultation_id) + " does not exist", false);
  }
  std::int64_t due_at = now_ms;
  if (is_reminder(kind)) {
    if (!facts->scheduled_at) return queued;
    due_at = *facts->scheduled_at - reminder_lead(settings, kind).count();
  }
  for (const auto& [channel, instance] :
       {std::pair<std::string_view, const std::string&>{kEmail, settings->email},
        {kSms, settings->sms}}) {
    if (instance.empty()) continue;
    QueuedMessage m;
    WASL_ASSIGN_OR_RETURN(m.id, storage::new_row_id());
    m.facility_id = std::string(facility_id);
    m.consultation_id = std::string(consultation_id);
    m.kind = std::string(kind);
    m.channel = std::string(channel);
    m.occurrence = std::string(occurrence);
    m.due_at = due_at;
    m.now_ms = now_ms;
    WASL_ASSIGN_OR_RETURN(bool inserted, OutboxStore::queue(tx, m));
    if (inserted) queued.push_back(m.channel);
  }
  return queued;
}

sdk::Status consultation_rescheduled(storage::Transaction& tx, const config::Config& config,
                                     std::string_view facility_id, std::string_view consultation_id,
                                     std::optional<std::int64_t> previous_ms, std::int64_t start_ms,
                                     std::int64_t now_ms) {
  if (previous_ms == start_ms) return {};  // nothing moved
  for (std::string_view kind : {kReminder24h, kReminder1h}) {
    WASL_RETURN_IF_ERROR(OutboxStore::move_scheduled(
        tx, facility_id, consultation_id, kind,
        start_ms - reminder_lead(settings_of(config, facility_id), kind).count(), now_ms));
  }
  if (previous_ms) {
    WASL_RETURN_IF_ERROR(
        JoinLinks::shift(tx, facility_id, consultation_id, start_ms - *previous_ms));
  }
  if (settings_of(config, facility_id) == nullptr) return {};
  WASL_ASSIGN_OR_RETURN(bool told, OutboxStore::patient_told(tx, facility_id, consultation_id));
  if (!told) return {};  // the invitation, still to go, will carry the new start
  WASL_RETURN_IF_ERROR(OutboxStore::cancel_scheduled(tx, facility_id, consultation_id,
                                                     {.only = kReschedule}, kSuperseded, now_ms));
  WASL_RETURN_IF_ERROR(queue_message(tx, config, facility_id, consultation_id, kReschedule, now_ms,
                                     std::to_string(start_ms)));
  return {};
}

sdk::Status consultation_cancelled(storage::Transaction& tx, const config::Config& config,
                                   std::string_view facility_id, std::string_view consultation_id,
                                   std::string_view reason, std::int64_t now_ms) {
  // Everything but its own notice, which a second cancellation leaves be.
  WASL_RETURN_IF_ERROR(OutboxStore::cancel_scheduled(
      tx, facility_id, consultation_id, {.except = kCancellation}, kConsultationCancelled, now_ms));
  WASL_RETURN_IF_ERROR(JoinLinks::expire(tx, facility_id, consultation_id, now_ms));
  if (reason == kNoShowReason || settings_of(config, facility_id) == nullptr) return {};
  WASL_ASSIGN_OR_RETURN(bool told, OutboxStore::patient_told(tx, facility_id, consultation_id));
  if (!told) return {};  // never told of it: nothing to withdraw
  WASL_RETURN_IF_ERROR(
      queue_message(tx, config, facility_id, consultation_id, kCancellation, now_ms));
  return {};
}

sdk::Status clinician_admitted(storage::Transaction& tx, const config::Config& config,
                               std::string_view facility_id, std::string_view consultation_id,
                               std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(
      queue_message(tx, config, facility_id, consultation_id, kClinicianReady, now_ms));
  return {};
}

}  // namespace wasl::notifications
