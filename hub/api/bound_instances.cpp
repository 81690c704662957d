#include "hub/api/bound_instances.hpp"

#include "hub/config/facility_instances.hpp"

namespace wasl::api {

std::set<std::string, std::less<>> bound_instances(const ApiContext& context,
                                                   const std::string& facility_id) {
  if (context.config == nullptr) return {};
  auto it = context.config->facilities.find(facility_id);
  if (it == context.config->facilities.end()) return {};
  return config::facility_instances(it->second);
}

}  // namespace wasl::api
