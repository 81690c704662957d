#include "hub/notifications/message_kind.hpp"

namespace wasl::notifications {

bool is_message_kind(std::string_view kind) {
  return kind == kInvitation || kind == kReminder24h || kind == kReminder1h ||
         kind == kClinicianReady || kind == kCancellation || kind == kReschedule;
}

std::chrono::milliseconds reminder_lead(std::string_view kind) {
  if (kind == kReminder24h) return std::chrono::hours(24);
  if (kind == kReminder1h) return std::chrono::hours(1);
  return std::chrono::milliseconds(0);
}

}  // namespace wasl::notifications
