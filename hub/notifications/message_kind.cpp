#include "hub/notifications/message_kind.hpp"

namespace wasl::notifications {

bool is_message_kind(std::string_view kind) {
  return kind == kInvitation || kind == kReminder24h || kind == kReminder1h ||
         kind == kClinicianReady || kind == kCancellation || kind == kReschedule ||
         kind == kVisitSummary || kind == kFeedback;
}

bool is_reminder(std::string_view kind) { return kind == kReminder24h || kind == kReminder1h; }

std::chrono::milliseconds reminder_lead(const config::FacilityNotificationsConfig* settings,
                                        std::string_view kind) {
  if (!is_reminder(kind)) return std::chrono::milliseconds(0);
  const config::NotificationMessagesConfig defaults;
  const config::NotificationMessagesConfig& messages = settings ? settings->messages : defaults;
  return messages.find(kind)->before;
}

}  // namespace wasl::notifications
