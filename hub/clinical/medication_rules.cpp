#include "hub/clinical/medication_rules.hpp"

#include <algorithm>

namespace wasl::clinical {

std::optional<std::string> blocking_rule(const config::FacilityConfig& facility,
                                         std::string_view code) {
  const auto& blocked = facility.clinical.blocked_medications;
  if (std::find(blocked.begin(), blocked.end(), code) == blocked.end()) return std::nullopt;
  return "facilities." + facility.id + ".clinical.blocked_medications";
}

}  // namespace wasl::clinical
