// The aggregate report as a FHIR R4 MeasureReport (Wasl's proposal;
// README.md "Aggregate"): status complete, type summary, measure
// urn:wasl:fhir:Measure:telehealth-activity, identifier
// urn:wasl:report-id|<report id>, reporter = the facility by its licence,
// period = the report's period in the facility's time zone (Umm al-Qura
// extensions when the facility asks), date = the hub's generated_at, and
// one group per figure (codes of urn:wasl:fhir:CodeSystem:telehealth-measure-group):
//
//   total, completed, no-show         measureScore = count
//   cancelled                         count, stratified by cancel-reason
//   by-specialty, by-consultation-type  count, stratified by specialty / consultation-type
//   session-duration-median,
//   session-duration-p90              measureScore in seconds (UCUM s); no
//                                     measureScore when no session was timed
#pragma once

#include <nlohmann/json.hpp>

#include "plugins/moh/report_body.hpp"

namespace wasl::plugins::moh {

nlohmann::json measure_report(const AggregateReport& report);

}  // namespace wasl::plugins::moh
