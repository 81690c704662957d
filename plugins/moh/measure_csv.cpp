#include "plugins/moh/measure_csv.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>
#include <vector>

#include "plugins/moh/report_labels.hpp"

namespace wasl::plugins::moh {

std::string csv_field(const std::string& raw) {
  // A spreadsheet reads a cell starting with one of these as a formula.
  std::string value = raw;
  if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string::npos) {
    value.insert(0, 1, '\'');
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_number(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", value);
  std::string out = text;
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::string measure_csv(const AggregateReport& r) {
  const LabelLanguage language = label_language(r.facility.language);
  const bool hijri = !r.period.start_hijri.empty();
  std::vector<std::string> columns = {"facility_id", "facility_licence", "period", "period_start",
                                      "period_end"};
  if (hijri) {
    columns.push_back("period_start_hijri");
    columns.push_back("period_end_hijri");
  }
  for (const char* c : {"measure", "measure_label", "category", "category_label", "value"}) {
    columns.push_back(c);
  }
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(column_label(columns[i], language));
  }
  out += "\r\n";

  std::string prefix = csv_field(r.facility.id) + ',' + csv_field(r.facility.licence) + ',' +
                       csv_field(r.period.label) + ',' + csv_field(r.period.start) + ',' +
                       csv_field(r.period.end) + ',';
  if (hijri) prefix += csv_field(r.period.start_hijri) + ',' + csv_field(r.period.end_hijri) + ',';
  auto row = [&](const std::string& measure, const std::string& category,
                 const std::string& category_text, const std::string& value) {
    out += prefix + csv_field(measure) + ',' + csv_field(measure_label(measure, language)) + ',' +
           csv_field(category) + ',' + csv_field(category_text) + ',' + csv_field(value) + "\r\n";
  };
  auto count = [](std::int64_t n) { return std::to_string(n); };
  auto categories = [&](const std::string& measure, const std::vector<CodeCount>& list,
                        bool labelled) {
    for (const CodeCount& c : list) {
      row(measure, c.code, labelled ? category_label(c.code, language) : c.code, count(c.count));
    }
  };
  row("total", "", "", count(r.total));
  row("completed", "", "", count(r.completed));
  row("cancelled", "", "", count(r.cancelled));
  categories("cancelled", r.cancelled_by_reason, true);
  row("no_shows", "", "", count(r.no_shows));
  row("clinician_no_shows", "", "", count(r.clinician_no_shows));
  categories("by_specialty", r.by_specialty, false);
  categories("by_consultation_type", r.by_type, true);
  row("session_duration_median_seconds", "", "",
      r.median_duration_seconds ? csv_number(*r.median_duration_seconds) : "");
  row("session_duration_p90_seconds", "", "",
      r.p90_duration_seconds ? csv_number(*r.p90_duration_seconds) : "");
  row("attendee_seconds", "", "", count(r.attendee_seconds));
  row("attendee_minutes", "", "", csv_number(r.attendee_minutes));
  if (r.patient_experience) {
    const auto& x = *r.patient_experience;
    auto mean = [](const std::optional<double>& v) { return v ? csv_number(*v) : std::string(); };
    row("patient_experience_responses", "", "", count(x.responses));
    row("patient_experience_clinician_rating_mean", "", "", mean(x.clinician_rating_mean));
    row("patient_experience_connection_rating_mean", "", "", mean(x.connection_rating_mean));
  }
  return out;
}

}  // namespace wasl::plugins::moh
