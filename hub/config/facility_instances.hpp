// The plugin instances that are a facility's: the ones its bindings name and
// the notify instances its notifications settings name. What GET /v1/alerts
// and GET /v1/plugins show a facility, and where the alerts about an
// instance are delivered. An instance several facilities name is each of
// theirs.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "hub/config/config.hpp"

namespace wasl::config {

std::set<std::string, std::less<>> facility_instances(const FacilityConfig& facility);

}  // namespace wasl::config
