// hub.notify: a workflow step queues a message to its consultation's
// patient (declared in hub/workflow/language/capabilities.cpp),
// kInTransaction, so the message exists exactly when the step's success
// commits; it sends nothing (notification_sender.hpp does, after).
//
//   input   kind  invitation, reminder_24h, reminder_1h, clinician_ready,
//                 cancellation or reschedule (required)
//           to    "patient" (the only recipient; the default)
//   output  {kind, queued}: the channels this step queued (0 when the
//           message exists already, is off, or the facility sends none)
//
// A reminder is due its lead before the consultation's start and follows
// the start when it moves (consultation_notices.hpp). A run without a
// consultation queues nothing.
#pragma once

#include "hub/config/config.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

// Registers hub.notify. `config` must outlive `actions`.
sdk::Status add_notify_action(workflow::HubActions& actions, const config::Config& config);

}  // namespace wasl::notifications
