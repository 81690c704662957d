#include "plugins/moh/measure_report.hpp"

#include <string>

#include "plugins/moh/fhir_ids.hpp"
#include "plugins/moh/fhir_terms.hpp"
#include "plugins/moh/message_bundle.hpp"
#include "plugins/moh/report_labels.hpp"

namespace wasl::plugins::moh {

using nlohmann::json;

namespace {

std::string s(std::string_view v) { return std::string(v); }

json group(const char* code, const char* display) {
  json coding = {{"system", s(terms::kMeasureGroupSystem)}, {"code", code}, {"display", display}};
  return json{{"code", {{"coding", json::array({coding})}}}};
}

json count_group(const char* code, const char* display, std::int64_t count) {
  json g = group(code, display);
  g["measureScore"] = {{"value", count}};
  return g;
}

// A count group stratified by `stratifier`; strata coded in `system`, or
// as text when `system` is empty (free-text specialties).
json stratified_group(const char* code, const char* display, std::int64_t count,
                      const char* stratifier, std::string_view system,
                      const std::vector<CodeCount>& strata) {
  json g = count_group(code, display, count);
  json list = json::array();
  for (const CodeCount& c : strata) {
    json value = {
        {"text", system.empty() ? c.code : category_label(c.code, LabelLanguage::kEnglish)}};
    if (!system.empty()) {
      value["coding"] = json::array({{{"system", s(system)}, {"code", c.code}}});
    }
    list.push_back({{"value", std::move(value)}, {"measureScore", {{"value", c.count}}}});
  }
  g["stratifier"] = json::array(
      {{{"code", json::array({{{"coding", json::array({{{"system", s(terms::kStratifierSystem)},
                                                        {"code", stratifier}}})}}})},
        {"stratum", std::move(list)}}});
  return g;
}

json duration_group(const char* code, const char* display, const std::optional<double>& seconds) {
  json g = group(code, display);
  if (seconds) {
    g["measureScore"] = {
        {"value", *seconds}, {"unit", "s"}, {"system", s(terms::kUcum)}, {"code", "s"}};
  }
  return g;
}

// Minutes (UCUM "min"), as the hub rounded them.
json minutes_group(const char* code, const char* display, double minutes) {
  json g = group(code, display);
  g["measureScore"] = {
      {"value", minutes}, {"unit", "min"}, {"system", s(terms::kUcum)}, {"code", "min"}};
  return g;
}

// A mean rating on the questionnaire's 1-5 scale (UCUM "{score}"); no score
// when no patient answered.
json rating_group(const char* code, const char* display, const std::optional<double>& mean) {
  json g = group(code, display);
  if (mean) {
    g["measureScore"] = {
        {"value", *mean}, {"unit", "{score}"}, {"system", s(terms::kUcum)}, {"code", "{score}"}};
  }
  return g;
}

}  // namespace

json measure_report(const AggregateReport& r) {
  json reporter = {{"display", r.facility.name.empty() ? r.facility.id : r.facility.name}};
  if (!r.facility.licence.empty()) {
    reporter["identifier"] = {{"system", s(terms::kProviderLicenseSystem)},
                              {"value", r.facility.licence}};
  }
  json groups = json::array({
      count_group("total", "Consultations in the period", r.total),
      count_group("completed", "Consultations completed", r.completed),
      stratified_group("cancelled", "Consultations cancelled", r.cancelled, "cancel-reason",
                       terms::kCancelReasonSystem, r.cancelled_by_reason),
      count_group("no-show", "No-shows (the patient never joined)", r.no_shows),
      count_group("clinician-no-show", "Clinician no-shows (no clinician joined)",
                  r.clinician_no_shows),
      stratified_group("by-specialty", "Consultations by specialty", r.total, "specialty", "",
                       r.by_specialty),
      stratified_group("by-consultation-type", "Consultations by type", r.total,
                       "consultation-type", terms::kConsultationTypeSystem, r.by_type),
      duration_group("session-duration-median", "Median session duration",
                     r.median_duration_seconds),
      duration_group("session-duration-p90", "90th percentile session duration",
                     r.p90_duration_seconds),
      minutes_group("attendee-minutes", "Attendee-minutes", r.attendee_minutes),
  });
  if (r.patient_experience) {
    const auto& x = *r.patient_experience;
    groups.push_back(count_group("patient-experience-responses",
                                 "Patients who answered the feedback questionnaire", x.responses));
    groups.push_back(rating_group("patient-experience-clinician-rating",
                                  "Mean rating of the clinician (1-5)", x.clinician_rating_mean));
    groups.push_back(rating_group("patient-experience-connection-rating",
                                  "Mean rating of the connection (1-5)", x.connection_rating_mean));
  }
  return json{
      {"resourceType", "MeasureReport"},
      {"id", report_uuid(r.report_id, "MeasureReport")},
      {"identifier",
       json::array({{{"system", s(terms::kReportIdSystem)}, {"value", r.report_id}}})},
      {"status", "complete"},
      {"type", "summary"},
      {"measure", s(terms::kMeasure)},
      {"date", r.generated_at},
      {"reporter", std::move(reporter)},
      {"period", fhir_period(r.period, r.facility.time_zone)},
      {"group", std::move(groups)},
  };
}

}  // namespace wasl::plugins::moh
