// The plugin instances a facility may see: the ones its bindings name, and
// the notify instances its notifications settings name. An
// instance shared by several facilities is seen by each of them; an instance
// bound to no facility by none (no role administers the whole deployment).
#pragma once

#include <set>
#include <string>

#include "hub/api/api_context.hpp"

namespace wasl::api {

// Empty when the context has no configuration or the facility is unknown.
std::set<std::string, std::less<>> bound_instances(const ApiContext& context,
                                                   const std::string& facility_id);

}  // namespace wasl::api
