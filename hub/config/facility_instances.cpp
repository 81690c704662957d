#include "hub/config/facility_instances.hpp"

namespace wasl::config {

std::set<std::string, std::less<>> facility_instances(const FacilityConfig& facility) {
  std::set<std::string, std::less<>> names;
  for (const auto& binding : facility.bindings) names.insert(binding.second);
  // The instances its patients' messages go through are the facility's too.
  if (const auto& n = facility.notifications) {
    for (const std::string* instance : {&n->email, &n->sms}) {
      if (!instance->empty()) names.insert(*instance);
    }
  }
  return names;
}

}  // namespace wasl::config
