// ConsultationNotices: what a consultation's life queues for its patient,
// each call made in the transaction that records the change, so the
// message exists exactly when the change commits and nothing is sent from
// inside it (notification_sender.hpp sends after).
//
//   queue_message            a message of one kind, from hub.notify and the
//                            calls below;
//   consultation_rescheduled the start moved (ehr_bookings.cpp,
//                            appointment_start.cpp): scheduled reminders
//                            follow the new start, join links expire that
//                            much later, and a patient already told of the
//                            consultation is sent a reschedule notice;
//   consultation_cancelled   cancelled (hub.set_status, the EHR, the API):
//                            scheduled messages are cancelled, join links
//                            end, and a patient already told is sent a
//                            cancellation notice (not for a no-show);
//   clinician_admitted       a clinician was admitted to the room
//                            (hub/api/participants.cpp): "the clinician is
//                            ready", once per consultation.
//
// A facility without notifications settings queues nothing. Every
// statement carries the facility. Thread-safe: stateless, over a borrowed
// Config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

// Queues `kind` for the consultation on each channel the facility sends by,
// once per (facility, consultation, kind, channel, occurrence); answers the
// channels queued by this call. Due at once, a reminder at the start minus
// its lead. Queues nothing when the facility sends no notifications, the
// kind is not enabled, or a reminder's consultation has no start.
// `occurrence` tells apart the messages of one kind sent more than once
// (each reschedule notice: its new start). kInvalidArgument for an unknown
// kind; kNotFound when the consultation is not the facility's.
sdk::Result<std::vector<std::string>> queue_message(storage::Transaction& tx,
                                                    const config::Config& config,
                                                    std::string_view facility_id,
                                                    std::string_view consultation_id,
                                                    std::string_view kind, std::int64_t now_ms,
                                                    std::string_view occurrence = {});

// The consultation's start moved from `previous_ms` (nullopt: it had none)
// to `start_ms`.
sdk::Status consultation_rescheduled(storage::Transaction& tx, const config::Config& config,
                                     std::string_view facility_id, std::string_view consultation_id,
                                     std::optional<std::int64_t> previous_ms, std::int64_t start_ms,
                                     std::int64_t now_ms);

// The consultation was cancelled with `reason` (a cancel reason code; empty
// when none was given).
sdk::Status consultation_cancelled(storage::Transaction& tx, const config::Config& config,
                                   std::string_view facility_id, std::string_view consultation_id,
                                   std::string_view reason, std::int64_t now_ms);

// A clinician was admitted to the consultation's room.
sdk::Status clinician_admitted(storage::Transaction& tx, const config::Config& config,
                               std::string_view facility_id, std::string_view consultation_id,
                               std::int64_t now_ms);

}  // namespace wasl::notifications
