// The vital signs' checks, one row per kind: a good value in every allowed
// unit, a unit not allowed for the code, and a value no patient can have.
#include "hub/clinical/vital_sign.hpp"

#include <set>

#include <gtest/gtest.h>

namespace wasl::clinical {
namespace {

VitalValue single(double v, const std::string& unit) {
  VitalValue out;
  out.unit = unit;
  out.value = v;
  return out;
}

VitalValue pressure(double systolic, double diastolic, const std::string& unit = "mm[Hg]") {
  VitalValue out;
  out.unit = unit;
  out.systolic = systolic;
  out.diastolic = diastolic;
  return out;
}

// The fields the problems name, with their codes ("unit:unknown_value").
std::set<std::string> fields_of(const std::vector<VitalProblem>& problems) {
  std::set<std::string> out;
  for (const VitalProblem& p : problems) out.insert(p.field + ":" + p.code);
  return out;
}

struct VitalCase {
  VitalKind kind;
  std::vector<VitalValue> good;
  VitalValue wrong_unit;
  std::vector<VitalValue> impossible;
  std::string impossible_field;
};

std::vector<VitalCase> cases() {
  return {
      {VitalKind::kBloodPressure,
       {pressure(120, 80), pressure(70, 40), pressure(250, 140)},
       pressure(120, 80, "kPa"),
       {pressure(80, 120), pressure(400, 80), pressure(120, -5)},
       ""},  // systolic or diastolic, checked below
      {VitalKind::kHeartRate,
       {single(72, "/min"), single(35, "/min"), single(220, "/min")},
       single(72, "Hz"),
       {single(-5, "/min"), single(0, "/min"), single(720, "/min")},
       "value"},
      {VitalKind::kBodyTemperature,
       {single(36.6, "Cel"), single(98.6, "[degF]"), single(28, "Cel"), single(42.5, "Cel")},
       single(36.6, "K"),
       {single(390, "Cel"), single(-36.6, "Cel"), single(390, "[degF]"), single(36.6, "[degF]")},
       "value"},
      {VitalKind::kOxygenSaturation,
       {single(97, "%"), single(100, "%"), single(62, "%")},
       single(0.97, "1"),
       {single(140, "%"), single(-1, "%"), single(100.5, "%")},
       "value"},
      {VitalKind::kRespiratoryRate,
       {single(16, "/min"), single(60, "/min"), single(6, "/min")},
       single(16, "/h"),
       {single(-16, "/min"), single(0, "/min"), single(400, "/min")},
       "value"},
      {VitalKind::kBodyWeight,
       {single(70, "kg"), single(154, "[lb_av]"), single(0.9, "kg"), single(300, "kg")},
       single(70000, "g"),
       {single(-3, "kg"), single(2000, "kg"), single(2000, "[lb_av]"), single(0, "kg")},
       "value"},
      {VitalKind::kBloodGlucose,
       {single(95, "mg/dL"), single(5.5, "mmol/L"), single(40, "mg/dL"), single(1200, "mg/dL")},
       single(95, "mg/L"),
       {single(-1, "mg/dL"), single(0, "mmol/L"), single(400, "mmol/L"), single(9000, "mg/dL")},
       "value"},
  };
}

TEST(VitalSignTest, EveryKindTakesItsUnitsAndRefusesOthersAndImpossibleValues) {
  std::set<VitalKind> seen;
  for (const VitalCase& c : cases()) {
    const std::string kind(to_string(c.kind));
    seen.insert(c.kind);
    for (const VitalValue& v : c.good) {
      EXPECT_TRUE(check_vital(c.kind, v).empty())
          << kind << " " << v.unit << ": " << check_vital(c.kind, v).front().message;
    }
    auto wrong = check_vital(c.kind, c.wrong_unit);
    EXPECT_EQ(fields_of(wrong), (std::set<std::string>{"unit:unknown_value"})) << kind;
    ASSERT_FALSE(wrong.empty());
    // The message lists the allowed units, so a client can correct itself.
    EXPECT_NE(wrong.front().message.find(std::string(ucum_units(c.kind).front())),
              std::string::npos)
        << wrong.front().message;
    for (const VitalValue& v : c.impossible) {
      auto problems = check_vital(c.kind, v);
      ASSERT_EQ(problems.size(), 1u) << kind << " " << v.unit;
      EXPECT_EQ(problems.front().code, "out_of_range") << kind;
      if (!c.impossible_field.empty()) EXPECT_EQ(problems.front().field, c.impossible_field);
      // A message names the rule, never the value given.
      EXPECT_EQ(problems.front().message.find("390"), std::string::npos);
    }
  }
  EXPECT_EQ(seen.size(), 7u);
}

TEST(VitalSignTest, BloodPressureNamesTheComponentThatIsWrong) {
  EXPECT_EQ(fields_of(check_vital(VitalKind::kBloodPressure, pressure(80, 120))),
            (std::set<std::string>{"systolic:out_of_range"}));
  EXPECT_EQ(fields_of(check_vital(VitalKind::kBloodPressure, pressure(120, 120))),
            (std::set<std::string>{"systolic:out_of_range"}));
  EXPECT_EQ(fields_of(check_vital(VitalKind::kBloodPressure, pressure(400, 80))),
            (std::set<std::string>{"systolic:out_of_range"}));
  EXPECT_EQ(fields_of(check_vital(VitalKind::kBloodPressure, pressure(120, -5))),
            (std::set<std::string>{"diastolic:out_of_range"}));
  VitalValue missing;
  missing.unit = "mm[Hg]";
  missing.systolic = 120;
  EXPECT_EQ(fields_of(check_vital(VitalKind::kBloodPressure, missing)),
            (std::set<std::string>{"diastolic:required"}));
  VitalValue single_value = single(120, "mm[Hg]");
  EXPECT_EQ(
      fields_of(check_vital(VitalKind::kBloodPressure, single_value)),
      (std::set<std::string>{"value:not_allowed", "systolic:required", "diastolic:required"}));
  // And the other kinds take value, not the pressure's components.
  EXPECT_EQ(fields_of(check_vital(VitalKind::kHeartRate, pressure(120, 80, "/min"))),
            (std::set<std::string>{"systolic:not_allowed", "value:required"}));
}

TEST(VitalSignTest, CodesAndUnitsAreLoincAndUcum) {
  EXPECT_EQ(kind_of_loinc("85354-9"), VitalKind::kBloodPressure);
  EXPECT_EQ(kind_of_loinc("8867-4"), VitalKind::kHeartRate);
  EXPECT_EQ(kind_of_loinc("8310-5"), VitalKind::kBodyTemperature);
  EXPECT_EQ(kind_of_loinc("59408-5"), VitalKind::kOxygenSaturation);
  EXPECT_EQ(kind_of_loinc("2708-6"), VitalKind::kOxygenSaturation);
  EXPECT_EQ(kind_of_loinc("9279-1"), VitalKind::kRespiratoryRate);
  EXPECT_EQ(kind_of_loinc("29463-7"), VitalKind::kBodyWeight);
  EXPECT_EQ(kind_of_loinc("2339-0"), VitalKind::kBloodGlucose);
  // The pressure's components are not observations of their own here.
  EXPECT_FALSE(kind_of_loinc(kSystolicLoinc).has_value());
  EXPECT_FALSE(kind_of_loinc("8480").has_value());
  for (const VitalCase& c : cases()) {
    EXPECT_EQ(parse_vital_kind(to_string(c.kind)), c.kind);
    EXPECT_EQ(kind_of_loinc(loinc_codes(c.kind).front()), c.kind);
  }
  // UCUM is case-sensitive: "cel" and "MM[HG]" are not units.
  EXPECT_FALSE(check_vital(VitalKind::kBodyTemperature, single(36.6, "cel")).empty());
  EXPECT_FALSE(check_vital(VitalKind::kBloodPressure, pressure(120, 80, "MM[HG]")).empty());
}

TEST(VitalSignTest, ConversionsToTheReferenceUnit) {
  EXPECT_NEAR(*to_reference_unit(VitalKind::kBodyTemperature, "[degF]", 98.6), 37.0, 1e-9);
  EXPECT_NEAR(*to_reference_unit(VitalKind::kBodyWeight, "[lb_av]", 100), 45.359237, 1e-9);
  EXPECT_NEAR(*to_reference_unit(VitalKind::kBloodGlucose, "mmol/L", 5.5), 99.088, 1e-9);
  EXPECT_EQ(*to_reference_unit(VitalKind::kHeartRate, "/min", 72), 72);
  EXPECT_FALSE(to_reference_unit(VitalKind::kHeartRate, "[degF]", 72).has_value());
}

TEST(VitalSignTest, EveryBoundIsOfAKindsReferenceUnit) {
  for (const VitalBound& b : vital_bounds()) {
    EXPECT_EQ(b.unit, ucum_units(b.kind).front()) << to_string(b.kind);
    EXPECT_LT(b.min, b.max);
    EXPECT_GT(b.min, 0) << "a negative or zero value is never possible";
  }
}

TEST(VitalSignTest, TheJsonShowsTheValueOnlyWhenAsked) {
  VitalObservation o;
  o.id = "o-1";
  o.consultation_id = "c-1";
  o.kind = VitalKind::kBloodPressure;
  o.code = "85354-9";
  o.reported_by = Reporter::kPatient;
  o.posted_by = {"apikey:h", std::nullopt};
  o.value = pressure(120, 80);
  nlohmann::json full = observation_json(o, true);
  EXPECT_EQ(full["systolic"], 120.0);
  EXPECT_EQ(full["diastolic"], 80.0);
  EXPECT_EQ(full["unit"], "mm[Hg]");
  EXPECT_EQ(full["reported_by"], "patient");
  EXPECT_EQ(full["system"], "http://loinc.org");
  nlohmann::json bare = observation_json(o, false);
  for (const char* hidden : {"unit", "value", "systolic", "diastolic"}) {
    EXPECT_FALSE(bare.contains(hidden)) << hidden;
  }
  EXPECT_EQ(bare["kind"], "blood_pressure");
  EXPECT_EQ(bare["code"], "85354-9");
}

}  // namespace
}  // namespace wasl::clinical
