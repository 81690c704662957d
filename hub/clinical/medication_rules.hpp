// MedicationRules: the facility's rules on what its clinicians prescribe
// through telehealth (facilities.<id>.clinical in the config).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hub/config/config.hpp"

namespace wasl::clinical {

// The config key of the rule that refuses medication `code` for the
// facility ("facilities.<id>.clinical.blocked_medications"), or nullopt
// when the facility allows it. Codes compare exactly.
std::optional<std::string> blocking_rule(const config::FacilityConfig& facility,
                                         std::string_view code);

}  // namespace wasl::clinical
