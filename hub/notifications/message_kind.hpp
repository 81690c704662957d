// The kinds of message a facility sends its patients, the channels they go
// by, the states of a queued message and the reasons one is skipped. The
// names are the configuration's (config::notification_message_kinds()),
// the API's and the database's.
#pragma once

#include <chrono>
#include <string_view>

#include "hub/config/config.hpp"

namespace wasl::notifications {

inline constexpr std::string_view kInvitation = "invitation";
inline constexpr std::string_view kReminder24h = "reminder_24h";
inline constexpr std::string_view kReminder1h = "reminder_1h";
inline constexpr std::string_view kClinicianReady = "clinician_ready";
inline constexpr std::string_view kCancellation = "cancellation";
inline constexpr std::string_view kReschedule = "reschedule";
// Not a configured kind (config::notification_message_kinds()): sent by
// every facility with notifications, in the built-in texts.
inline constexpr std::string_view kVisitSummary = "visit_summary";
// After the consultation: the one-use link to the feedback questionnaire.
inline constexpr std::string_view kFeedback = "feedback";

inline constexpr std::string_view kEmail = "email";
inline constexpr std::string_view kSms = "sms";

// A message's state (notification_outbox.state).
inline constexpr std::string_view kScheduled = "scheduled";  // waits for its due time
inline constexpr std::string_view kSending = "sending";      // handed to the plugin, answer pending
inline constexpr std::string_view kSent = "sent";            // the provider took it
inline constexpr std::string_view kDelivered = "delivered";  // the provider reports it delivered
inline constexpr std::string_view kFailed = "failed";        // it will not arrive (alerted)
inline constexpr std::string_view kSkipped = "skipped";      // not sent, for `reason`
inline constexpr std::string_view kCancelled = "cancelled";  // withdrawn before it went

// Why a message was skipped or cancelled (notification_outbox.reason).
inline constexpr std::string_view kOptOut = "opt_out";            // the patient opted out
inline constexpr std::string_view kQuietHours = "quiet_hours";    // quiet until after the start
inline constexpr std::string_view kNoRecipient = "no_recipient";  // no address for the channel
inline constexpr std::string_view kTooLate = "too_late";          // a reminder past its time
inline constexpr std::string_view kNoStart = "no_start";          // a reminder without a start
inline constexpr std::string_view kConsultationEnded = "consultation_ended";
inline constexpr std::string_view kNotConfigured = "not_configured";  // channel or facility off
inline constexpr std::string_view kConsultationCancelled = "consultation_cancelled";
inline constexpr std::string_view kSuperseded = "superseded";    // a newer reschedule notice
inline constexpr std::string_view kUndelivered = "undelivered";  // the provider's receipt
inline constexpr std::string_view kSendFailed = "send_failed";   // refused, or out of attempts

// True for the seven kinds above.
bool is_message_kind(std::string_view kind);

// True for reminder_24h and reminder_1h.
bool is_reminder(std::string_view kind);

// How long before the consultation's start a reminder is due: the
// facility's `before` (default 24 hours and 1 hour); zero for the kinds
// that are not reminders.
std::chrono::milliseconds reminder_lead(const config::FacilityNotificationsConfig* settings,
                                        std::string_view kind);

}  // namespace wasl::notifications
