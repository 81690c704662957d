// Consultation actions: the hub actions a workflow step calls to move its
// consultation along (declared, with their inputs and outputs, in
// hub/workflow/language/capabilities.hpp), all kInTransaction, so their
// change commits with the step's result:
//
//   hub.set_status            consultations.status of the run's
//                             consultation; with status cancelled, its
//                             cancel reason `reason` (a code such as
//                             patient_request or no_show), and its
//                             notifications withdrawn (hub/notifications/
//                             consultation_notices.hpp); with `room_id`,
//                             the consultation bound to that room of the
//                             run's video instance (so the participants
//                             routes issue join tokens for it). Output
//                             {status, previous_status}. The status read is
//                             the one replaced: a cancel committed between
//                             the read and the write is kept and the step
//                             fails with kFailedPrecondition.
//   hub.describe_consultation what ministry reports count the consultation
//                             by: specialty, service_type, session_start_ms,
//                             session_end_ms, each optional (empty or 0 =
//                             leave as is). Output {recorded}.
//
// A run without a consultation gets the output and changes nothing. Another
// facility's consultation is never found (every query carries the run's
// facility).
#pragma once

#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::consultations {

// Registers hub.set_status and hub.describe_consultation. `config` (the
// facilities' current video bindings, for a run that kept none) and
// `cipher` must outlive `actions`.
sdk::Status add_consultation_actions(workflow::HubActions& actions, const config::Config& config,
                                     const records::CellCipher& cipher);

}  // namespace wasl::consultations
