// The consultation-aware form of hub.set_status: the engine's built-in
// action moves the consultation's status through the consultation store;
// this one also binds the consultation to its video room when the step
// passes `room_id` (so the API can issue join tokens for it).
#pragma once

#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"

namespace wasl::consultations {

// Replaces hub.set_status in `actions` (which must already hold the
// built-in one). `config` and `cipher` must outlive `actions`.
void add_consultation_actions(workflow::HubActions& actions, const config::Config& config,
                              const records::CellCipher& cipher);

}  // namespace wasl::consultations
