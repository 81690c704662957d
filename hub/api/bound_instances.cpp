#include "hub/api/bound_instances.hpp"

namespace wasl::api {

std::set<std::string, std::less<>> bound_instances(const ApiContext& context,
                                                   const std::string& facility_id) {
  std::set<std::string, std::less<>> names;
  if (context.config == nullptr) return names;
  auto it = context.config->facilities.find(facility_id);
  if (it == context.config->facilities.end()) return names;
  for (const auto& [role, instance] : it->second.bindings) names.insert(instance);
  // The instances its patients' messages go through are the facility's too.
  if (const auto& n = it->second.notifications) {
    for (const std::string* instance : {&n->email, &n->sms}) {
      if (!instance->empty()) names.insert(*instance);
    }
  }
  return names;
}

}  // namespace wasl::api
