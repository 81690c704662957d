// VitalSign: a vital sign reported during a consultation (blood pressure,
// heart rate, body temperature, SpO2, respiratory rate, body weight, blood
// glucose), with its LOINC code and UCUM unit, and the checks a reported
// value passes: the unit must be one allowed for the code, and the value
// must be physically possible (kVitalBounds: wide limits that refuse a
// typing slip such as 390 Cel or 140 %, never a value that is only
// unusual). A value is kept in the unit it was given in; the limits are
// checked after converting it to the code's first unit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/clinical/clinical_note.hpp"

namespace wasl::clinical {

enum class VitalKind {
  kBloodPressure,
  kHeartRate,
  kBodyTemperature,
  kOxygenSaturation,
  kRespiratoryRate,
  kBodyWeight,
  kBloodGlucose,
};

// "blood_pressure", "heart_rate", "body_temperature", "oxygen_saturation",
// "respiratory_rate", "body_weight", "blood_glucose".
std::string_view to_string(VitalKind kind);
std::optional<VitalKind> parse_vital_kind(std::string_view text);

// Who the value comes from: the patient (relayed by the hospital's system
// or entered by the clinician on her behalf) or the clinician who measured
// it.
enum class Reporter { kPatient, kClinician };

// "patient", "clinician".
std::string_view to_string(Reporter reporter);
std::optional<Reporter> parse_reporter(std::string_view text);

// The LOINC codes of a kind: the first is the one written when a request
// names only the kind (SpO2 has two: 59408-5 by pulse oximetry, 2708-6 in
// arterial blood).
const std::vector<std::string_view>& loinc_codes(VitalKind kind);

// The kind a LOINC code reports, if it is one of the codes above.
std::optional<VitalKind> kind_of_loinc(std::string_view code);

// The UCUM units allowed for a kind, the first being the one its limits are
// written in.
const std::vector<std::string_view>& ucum_units(VitalKind kind);

// Blood pressure's components: systolic 8480-6, diastolic 8462-4.
inline constexpr std::string_view kSystolicLoinc = "8480-6";
inline constexpr std::string_view kDiastolicLoinc = "8462-4";

// The physically possible range of one measured quantity, in `unit`.
struct VitalBound {
  std::string_view quantity;  // "value", "systolic", "diastolic"
  VitalKind kind;
  std::string_view unit;
  double min;
  double max;
};

// Every limit, in one table (vital_sign.cpp).
const std::vector<VitalBound>& vital_bounds();

// What was measured. PHI: stored encrypted (vital_observations.value_enc),
// never logged. Blood pressure has systolic and diastolic (value unused);
// every other kind has value.
struct VitalValue {
  std::string unit;  // UCUM, as given
  std::optional<double> value;
  std::optional<double> systolic;
  std::optional<double> diastolic;
  bool operator==(const VitalValue&) const = default;
};

// One problem with a reported value: the request's field ("unit", "value",
// "systolic", "diastolic"), a FieldValidator code and a message that names
// the rule, never the value.
struct VitalProblem {
  std::string field;
  std::string code;
  std::string message;
};

// The problems of `value` as a `kind`: a unit not allowed for it, a missing
// or extra quantity, a value outside vital_bounds() (after conversion to
// the kind's first unit), a systolic not above the diastolic. Empty when
// the value is acceptable.
std::vector<VitalProblem> check_vital(VitalKind kind, const VitalValue& value);

// `value` given in `unit` converted to the kind's first unit (Cel, kg,
// mg/dL); nullopt for a unit not allowed for the kind.
std::optional<double> to_reference_unit(VitalKind kind, std::string_view unit, double value);

struct VitalObservation {
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  VitalKind kind = VitalKind::kHeartRate;
  std::string code;  // LOINC
  Reporter reported_by = Reporter::kClinician;
  Author posted_by;  // who sent it to the hub
  VitalValue value;
  std::int64_t effective_at = 0;  // when it was measured, epoch ms
  std::int64_t created_at = 0;
};

// The observation's JSON form. `with_value` false leaves out the unit and
// the values (a role that may know a vital was reported, not what it was).
nlohmann::json observation_json(const VitalObservation& o, bool with_value);

}  // namespace wasl::clinical
