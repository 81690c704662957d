// The aggregate report's figures as CSV (RFC 4180: comma-separated, fields
// quoted when they hold a comma, quote or line break, CRLF line ends),
// UTF-8 without a byte order mark; no cell starts a spreadsheet formula
// (csv_field). One header row, then one row per figure
// and per category of a stratified figure:
//
//   facility_id,facility_licence,period,period_start,period_end,
//   [period_start_hijri,period_end_hijri,]measure,measure_label,category,category_label,value
//
// The Hijri columns appear when the hub sent Hijri dates (the facility asks
// for them). Codes (measure, category) are stable; the header and the
// *_label columns are Arabic when the facility's language is "ar".
// Measures, in this order: total, completed, cancelled (then one row per
// cancel reason), no_shows, by_specialty (one row per specialty),
// by_consultation_type (one row per type), session_duration_median_seconds,
// session_duration_p90_seconds (empty value when no session was timed).
#pragma once

#include <string>

#include "plugins/moh/report_body.hpp"

namespace wasl::plugins::moh {

std::string measure_csv(const AggregateReport& report);

// `value` as a CSV field (quoted when needed). A value starting with '=',
// '+', '-', '@', a tab or a carriage return is prefixed with an apostrophe,
// so a spreadsheet shows it as text instead of running it as a formula.
std::string csv_field(const std::string& value);

// A number as the CSV writes it: whole numbers without a decimal point,
// others with up to three decimals ("12", "12.5").
std::string csv_number(double value);

}  // namespace wasl::plugins::moh
