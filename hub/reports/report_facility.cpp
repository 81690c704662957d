#include "hub/reports/report_facility.hpp"

namespace wasl::reports {

nlohmann::json report_facility(const config::Config& config, const std::string& facility_id) {
  config::FacilityReportingConfig reporting;
  std::string name = facility_id;
  int retention_days = config.archive.retention_days;
  if (auto f = config.facilities.find(facility_id); f != config.facilities.end()) {
    reporting = f->second.reporting;
    if (!f->second.name.empty()) name = f->second.name;
    if (f->second.retention_days > 0) retention_days = f->second.retention_days;
  }
  return {{"id", facility_id},
          {"name", name},
          {"licence", reporting.licence},
          {"language", reporting.language},
          {"time_zone", reporting.time_zone},
          {"retention_days", retention_days}};
}

}  // namespace wasl::reports
