#include "hub/clinical/vital_sign.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "hub/domain/timestamp.hpp"

namespace wasl::clinical {
namespace {

struct KindInfo {
  VitalKind kind;
  std::string_view name;
  std::vector<std::string_view> codes;
  std::vector<std::string_view> units;
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> table = {
      {VitalKind::kBloodPressure, "blood_pressure", {"85354-9"}, {"mm[Hg]"}},
      {VitalKind::kHeartRate, "heart_rate", {"8867-4"}, {"/min"}},
      {VitalKind::kBodyTemperature, "body_temperature", {"8310-5"}, {"Cel", "[degF]"}},
      {VitalKind::kOxygenSaturation, "oxygen_saturation", {"59408-5", "2708-6"}, {"%"}},
      {VitalKind::kRespiratoryRate, "respiratory_rate", {"9279-1"}, {"/min"}},
      {VitalKind::kBodyWeight, "body_weight", {"29463-7"}, {"kg", "[lb_av]"}},
      {VitalKind::kBloodGlucose, "blood_glucose", {"2339-0"}, {"mg/dL", "mmol/L"}},
  };
  return table;
}

const KindInfo& info(VitalKind kind) {
  for (const KindInfo& k : kinds()) {
    if (k.kind == kind) return k;
  }
  return kinds().front();  // unreachable: every kind is in the table
}

// Glucose: 1 mmol/L is 18.016 mg/dL (molar mass 180.16 g/mol).
constexpr double kGlucoseMgPerDlPerMmol = 18.016;
constexpr double kKgPerPound = 0.45359237;

std::string bound_text(double v) {
  // Integers print without a fraction; the table's limits are whole numbers
  // or one decimal.
  if (std::floor(v) == v) return std::to_string(static_cast<std::int64_t>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

const VitalBound* bound_of(VitalKind kind, std::string_view quantity) {
  for (const VitalBound& b : vital_bounds()) {
    if (b.kind == kind && b.quantity == quantity) return &b;
  }
  return nullptr;
}

void check_quantity(VitalKind kind, std::string_view quantity, std::string_view unit,
                    const std::optional<double>& value, std::vector<VitalProblem>& out) {
  if (!value) {
    out.push_back({std::string(quantity), "required", "is required"});
    return;
  }
  const VitalBound* b = bound_of(kind, quantity);
  auto reference = to_reference_unit(kind, unit, *value);
  if (b == nullptr || !reference) return;  // the unit's own problem is reported
  if (!std::isfinite(*reference) || *reference < b->min || *reference > b->max) {
    out.push_back({std::string(quantity), "out_of_range",
                   "is not a possible " + std::string(to_string(kind)) + " " +
                       std::string(quantity) + ": must be from " + bound_text(b->min) + " to " +
                       bound_text(b->max) + " " + std::string(b->unit)});
  }
}

}  // namespace

std::string_view to_string(VitalKind kind) { return info(kind).name; }

std::optional<VitalKind> parse_vital_kind(std::string_view text) {
  for (const KindInfo& k : kinds()) {
    if (k.name == text) return k.kind;
  }
  return std::nullopt;
}

std::string_view to_string(Reporter reporter) {
  return reporter == Reporter::kPatient ? "patient" : "clinician";
}

std::optional<Reporter> parse_reporter(std::string_view text) {
  if (text == "patient") return Reporter::kPatient;
  if (text == "clinician") return Reporter::kClinician;
  return std::nullopt;
}

const std::vector<std::string_view>& loinc_codes(VitalKind kind) { return info(kind).codes; }

std::optional<VitalKind> kind_of_loinc(std::string_view code) {
  for (const KindInfo& k : kinds()) {
    if (std::find(k.codes.begin(), k.codes.end(), code) != k.codes.end()) return k.kind;
  }
  return std::nullopt;
}

const std::vector<std::string_view>& ucum_units(VitalKind kind) { return info(kind).units; }

// The limits: what no living patient's measurement can be, in the kind's
// first unit. Wide on purpose: a value outside them is a slip of the
// keyboard or a wrong unit (390 Cel, SpO2 140 %, a negative rate), never an
// unusual but real patient (deep hypothermia, a newborn's breathing, a
// glucose crisis).
const std::vector<VitalBound>& vital_bounds() {
  static const std::vector<VitalBound> table = {
      {"systolic", VitalKind::kBloodPressure, "mm[Hg]", 20, 300},
      {"diastolic", VitalKind::kBloodPressure, "mm[Hg]", 10, 250},
      {"value", VitalKind::kHeartRate, "/min", 10, 350},
      {"value", VitalKind::kBodyTemperature, "Cel", 15, 46},
      {"value", VitalKind::kOxygenSaturation, "%", 20, 100},
      {"value", VitalKind::kRespiratoryRate, "/min", 2, 120},
      {"value", VitalKind::kBodyWeight, "kg", 0.2, 700},
      {"value", VitalKind::kBloodGlucose, "mg/dL", 5, 3000},
  };
  return table;
}

std::optional<double> to_reference_unit(VitalKind kind, std::string_view unit, double value) {
  const auto& units = ucum_units(kind);
  if (std::find(units.begin(), units.end(), unit) == units.end()) return std::nullopt;
  if (unit == "[degF]") return (value - 32.0) * 5.0 / 9.0;
  if (unit == "[lb_av]") return value * kKgPerPound;
  if (unit == "mmol/L") return value * kGlucoseMgPerDlPerMmol;
  return value;
}

std::vector<VitalProblem> check_vital(VitalKind kind, const VitalValue& value) {
  std::vector<VitalProblem> out;
  const auto& units = ucum_units(kind);
  if (std::find(units.begin(), units.end(), value.unit) == units.end()) {
    std::string allowed;
    for (std::string_view u : units) {
      if (!allowed.empty()) allowed += ", ";
      allowed += u;
    }
    out.push_back({"unit", "unknown_value",
                   "must be a UCUM unit of " + std::string(to_string(kind)) + ": " + allowed});
  }
  if (kind == VitalKind::kBloodPressure) {
    if (value.value)
      out.push_back({"value", "not_allowed", "blood pressure takes systolic and diastolic"});
    check_quantity(kind, "systolic", value.unit, value.systolic, out);
    check_quantity(kind, "diastolic", value.unit, value.diastolic, out);
    if (value.systolic && value.diastolic && *value.systolic <= *value.diastolic) {
      out.push_back({"systolic", "out_of_range", "must be above the diastolic pressure"});
    }
  } else {
    if (value.systolic || value.diastolic) {
      out.push_back({value.systolic ? "systolic" : "diastolic", "not_allowed",
                     "is for blood pressure only; give value"});
    }
    check_quantity(kind, "value", value.unit, value.value, out);
  }
  return out;
}

nlohmann::json observation_json(const VitalObservation& o, bool with_value) {
  nlohmann::json j{
      {"id", o.id},
      {"consultation_id", o.consultation_id},
      {"kind", std::string(to_string(o.kind))},
      {"code", o.code},
      {"system", "http://loinc.org"},
      {"reported_by", std::string(to_string(o.reported_by))},
      {"posted_by", o.posted_by.actor},
      {"posted_by_practitioner",
       o.posted_by.practitioner ? nlohmann::json(*o.posted_by.practitioner) : nlohmann::json()},
      {"effective_at", domain::format_timestamp(o.effective_at)},
      {"created_at", domain::format_timestamp(o.created_at)}};
  if (with_value) {
    j["unit"] = o.value.unit;
    if (o.kind == VitalKind::kBloodPressure) {
      j["systolic"] = o.value.systolic ? nlohmann::json(*o.value.systolic) : nlohmann::json();
      j["diastolic"] = o.value.diastolic ? nlohmann::json(*o.value.diastolic) : nlohmann::json();
    } else {
      j["value"] = o.value.value ? nlohmann::json(*o.value.value) : nlohmann::json();
    }
  }
  return j;
}

}  // namespace wasl::clinical
