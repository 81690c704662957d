#include "plugins/moh/measure_report.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "plugins/moh/measure_csv.hpp"
#include "plugins/moh/tests/csv_rows.hpp"
#include "plugins/moh/tests/sample_reports.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;

const json& group_of(const json& report, const std::string& code) {
  for (const auto& g : report["group"]) {
    if (g["code"]["coding"][0]["code"] == code) return g;
  }
  static const json kNone;
  ADD_FAILURE() << "no group " << code;
  return kNone;
}

TEST(MeasureReport, ASummaryOfTheFacilitysPeriod) {
  auto report = read_aggregate_report(testing::sample_aggregate_report());
  ASSERT_TRUE(report.ok()) << report.error().message;
  json mr = measure_report(*report);
  EXPECT_EQ(mr["resourceType"], "MeasureReport");
  EXPECT_EQ(mr["status"], "complete");
  EXPECT_EQ(mr["type"], "summary");
  EXPECT_EQ(mr["period"]["start"], "2025-03-01T00:00:00+03:00");
  EXPECT_EQ(mr["period"]["end"], "2025-03-01T23:59:59+03:00");
  EXPECT_EQ(mr["reporter"]["identifier"]["value"], "10000000000001");
  EXPECT_EQ(group_of(mr, "total")["measureScore"]["value"], 9);
  EXPECT_EQ(group_of(mr, "completed")["measureScore"]["value"], 5);
  EXPECT_EQ(group_of(mr, "no-show")["measureScore"]["value"], 1);
  EXPECT_EQ(group_of(mr, "clinician-no-show")["measureScore"]["value"], 1);
  const json& minutes = group_of(mr, "attendee-minutes")["measureScore"];
  EXPECT_EQ(minutes["value"], 152.08);
  EXPECT_EQ(minutes["code"], "min");
  EXPECT_EQ(minutes["system"], "http://unitsofmeasure.org");
  const json& cancelled = group_of(mr, "cancelled");
  EXPECT_EQ(cancelled["measureScore"]["value"], 2);
  EXPECT_EQ(cancelled["stratifier"][0]["stratum"][0]["value"]["coding"][0]["code"],
            "patient_request");
  const json& specialty = group_of(mr, "by-specialty");
  EXPECT_EQ(specialty["stratifier"][0]["stratum"][1]["value"]["text"], "Family medicine");
  EXPECT_EQ(specialty["stratifier"][0]["stratum"][1]["measureScore"]["value"], 5);
  EXPECT_EQ(group_of(mr, "session-duration-median")["measureScore"]["value"], 1200.0);
  EXPECT_EQ(group_of(mr, "session-duration-p90")["measureScore"]["code"], "s");
}

TEST(MeasureReport, NoTimedSessionMeansNoDurationScore) {
  auto r = testing::sample_aggregate_report();
  r.body["measures"].erase("session_duration_seconds");
  auto report = read_aggregate_report(r);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(
      group_of(measure_report(*report), "session-duration-median").contains("measureScore"));
}

// A hub before attendance sent neither figure: both count 0.
TEST(MeasureReport, AReportWithoutAttendanceCountsNone) {
  auto r = testing::sample_aggregate_report();
  r.body["measures"].erase("clinician_no_shows");
  r.body["measures"].erase("attendance");
  auto report = read_aggregate_report(r);
  ASSERT_TRUE(report.ok()) << report.error().message;
  json mr = measure_report(*report);
  EXPECT_EQ(group_of(mr, "clinician-no-show")["measureScore"]["value"], 0);
  EXPECT_EQ(group_of(mr, "attendee-minutes")["measureScore"]["value"], 0.0);
}

// The patients' experience: the responses counted, the mean ratings on the
// 1-5 scale ({score}); a period nobody answered has the count and no means;
// a hub before feedback sent none, and the report has no such group.
TEST(MeasureReport, ThePatientsExperience) {
  auto r = testing::sample_aggregate_report();
  r.body["measures"]["patient_experience"] = {
      {"responses", 12}, {"clinician_rating_mean", 4.42}, {"connection_rating_mean", 3.75}};
  auto report = read_aggregate_report(r);
  ASSERT_TRUE(report.ok()) << report.error().message;
  json mr = measure_report(*report);
  EXPECT_EQ(group_of(mr, "patient-experience-responses")["measureScore"]["value"], 12);
  const json& clinician = group_of(mr, "patient-experience-clinician-rating")["measureScore"];
  EXPECT_EQ(clinician["value"], 4.42);
  EXPECT_EQ(clinician["code"], "{score}");
  EXPECT_EQ(group_of(mr, "patient-experience-connection-rating")["measureScore"]["value"], 3.75);
  std::map<std::string, std::string> values;
  for (const auto& row : testing::csv_rows(measure_csv(*report))) {
    if (row.size() == 12) values[row[7]] = row[11];
  }
  EXPECT_EQ(values["patient_experience_responses"], "12");
  EXPECT_EQ(values["patient_experience_clinician_rating_mean"], "4.42");
  EXPECT_EQ(values["patient_experience_connection_rating_mean"], "3.75");

  r.body["measures"]["patient_experience"] = {
      {"responses", 0}, {"clinician_rating_mean", nullptr}, {"connection_rating_mean", nullptr}};
  auto none = read_aggregate_report(r);
  ASSERT_TRUE(none.ok()) << none.error().message;
  json empty = measure_report(*none);
  EXPECT_EQ(group_of(empty, "patient-experience-responses")["measureScore"]["value"], 0);
  EXPECT_FALSE(group_of(empty, "patient-experience-clinician-rating").contains("measureScore"));

  r.body["measures"]["patient_experience"]["clinician_rating_mean"] = 6;
  auto refused = read_aggregate_report(r);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("patient_experience"), std::string::npos);

  auto older = read_aggregate_report(testing::sample_aggregate_report());
  ASSERT_TRUE(older.ok());
  const json older_report = measure_report(*older);
  for (const auto& g : older_report["group"]) {
    EXPECT_EQ(g["code"]["coding"][0]["code"].get<std::string>().rfind("patient-experience", 0),
              std::string::npos);
  }
}

TEST(MeasureCsv, TheSameFiguresReadBack) {
  auto report = read_aggregate_report(testing::sample_aggregate_report());
  ASSERT_TRUE(report.ok());
  auto rows = testing::csv_rows(measure_csv(*report));
  ASSERT_GE(rows.size(), 2u);
  const std::vector<std::string> header = {
      "facility_id",   "facility_licence",   "period",           "period_start",
      "period_end",    "period_start_hijri", "period_end_hijri", "measure",
      "measure_label", "category",           "category_label",   "value"};
  EXPECT_EQ(rows[0], header);
  std::map<std::string, std::string> values;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), header.size());
    EXPECT_EQ(rows[i][0], "hospital-a");
    EXPECT_EQ(rows[i][5], "1446-09-01");
    values[rows[i][7] + "/" + rows[i][9]] = rows[i][11];
  }
  EXPECT_EQ(values["total/"], "9");
  EXPECT_EQ(values["completed/"], "5");
  EXPECT_EQ(values["cancelled/"], "2");
  EXPECT_EQ(values["cancelled/patient_request"], "1");
  EXPECT_EQ(values["no_shows/"], "1");
  EXPECT_EQ(values["clinician_no_shows/"], "1");
  EXPECT_EQ(values["attendee_seconds/"], "9125");
  EXPECT_EQ(values["attendee_minutes/"], "152.08");
  EXPECT_EQ(values["by_specialty/Cardiology, adult"], "4");  // quoted: it holds a comma
  EXPECT_EQ(values["by_consultation_type/follow_up"], "2");
  EXPECT_EQ(values["session_duration_median_seconds/"], "1200");
  EXPECT_EQ(values["session_duration_p90_seconds/"], "2700.5");
}

TEST(MeasureCsv, ArabicLabelsForAnArabicFacility) {
  auto report = read_aggregate_report(testing::sample_aggregate_report("ar", false));
  ASSERT_TRUE(report.ok());
  auto rows = testing::csv_rows(measure_csv(*report));
  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(rows[0].size(), 10u);  // no Hijri columns
  EXPECT_EQ(rows[0][0], "رمز المنشأة");
  EXPECT_EQ(rows[0][9], "القيمة");
  EXPECT_EQ(rows[1][5], "total");  // codes stay
  EXPECT_EQ(rows[1][6], "إجمالي الاستشارات");
  bool reason = false;
  for (const auto& row : rows) reason = reason || row[8] == "بطلب المريض";
  EXPECT_TRUE(reason);
}

TEST(MeasureCsv, NumbersAndFields) {
  EXPECT_EQ(csv_number(12), "12");
  EXPECT_EQ(csv_number(12.5), "12.5");
  EXPECT_EQ(csv_number(1.0 / 3), "0.333");
  EXPECT_EQ(csv_field("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
}

}  // namespace
}  // namespace wasl::plugins::moh
