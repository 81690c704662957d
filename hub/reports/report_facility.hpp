// report_facility: the facility part of a report body (hub.build_report's
// body.facility), from the configuration only: {id, name, licence,
// language, time_zone, retention_days} of facilities.<id> (its reporting
// settings; the name defaults to the id; retention_days is the facility's,
// else archive.retention_days). A facility the configuration lacks gets the
// defaults.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "hub/config/config.hpp"

namespace wasl::reports {

nlohmann::json report_facility(const config::Config& config, const std::string& facility_id);

}  // namespace wasl::reports
