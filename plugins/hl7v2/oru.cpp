#include "plugins/hl7v2/oru.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include "plugins/hl7v2/er7_writer.hpp"
#include "plugins/hl7v2/hl7_time.hpp"
#include "plugins/hl7v2/outbound.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using sdk::Error;
using sdk::ErrorCode;
using ::wasl::hl7v2::Er7Writer;

// LOINC long common names of the vital signs the hub records, for OBR-4
// and OBX-3 when the request gives no display text.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kLoincNames{{
    {"85354-9", "Blood pressure panel with all children optional"},
    {"8480-6", "Systolic blood pressure"},
    {"8462-4", "Diastolic blood pressure"},
    {"8867-4", "Heart rate"},
    {"8310-5", "Body temperature"},
    {"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"},
    {"2708-6", "Oxygen saturation in Arterial blood"},
    {"9279-1", "Respiratory rate"},
    {"29463-7", "Body weight"},
    {"2339-0", "Glucose [Mass/volume] in Blood"},
}};

std::string_view loinc_name(std::string_view code) {
  for (const auto& [known, name] : kLoincNames) {
    if (known == code) return name;
  }
  return "";
}

Error invalid_oru(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument,
               "write_vital_signs cannot send an ORU^R01: " + std::string(what), false);
}

// `value` as an NM: the shortest decimal that reads back as it, no exponent.
std::string decimal(double value) {
  // The longest fixed form of a double: 309 integer digits, a sign, a point
  // and 17 fraction digits fit well within this.
  char buffer[400];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  if (ec != std::errc()) return "";
  return std::string(buffer, end);
}

std::string cwe(std::string_view code, std::string_view text, std::string_view system) {
  return er7_components({code, text, system});
}

// One NM OBX: OBX-1 to OBX-14, and OBX-16 when a clinician is named.
std::vector<std::string> obx(int set_id, std::string_view code, std::string_view text, double value,
                             const sdk::VitalSignWrite& vital, const std::string& observed_at) {
  std::vector<std::string> fields(14);
  fields[0] = std::to_string(set_id);
  fields[1] = "NM";
  fields[2] = cwe(code, text, "LN");
  fields[4] = decimal(value);
  fields[5] = cwe(vital.unit, vital.unit, "UCUM");
  fields[10] = "F";
  fields[13] = observed_at;
  if (vital.performer == "clinician" && !vital.practitioner_id.empty()) {
    fields.resize(16);
    fields[15] = er7_components({vital.practitioner_id});
  }
  return fields;
}

}  // namespace

std::string oru_control_id(std::string_view idempotency_key) {
  return outbound_control_id("hl7v2-oru", idempotency_key);
}

std::string oru_observation_id(std::string_view idempotency_key) {
  return sdk::name_based_uuid("hl7v2-observation|" + std::string(idempotency_key));
}

sdk::Status check_vital_sign(const sdk::VitalSignWrite& vital) {
  if (vital.code.empty()) return invalid_oru("the vital sign has no LOINC code");
  if (vital.unit.empty()) return invalid_oru("the vital sign has no UCUM unit");
  if (vital.effective_ms <= 0) return invalid_oru("the vital sign has no measurement time");
  if (!vital.performer.empty() && vital.performer != "patient" && vital.performer != "clinician") {
    return invalid_oru("performer is not patient or clinician");
  }
  if (vital.code == kBloodPressurePanelLoinc) {
    if (!std::isfinite(vital.systolic) || !std::isfinite(vital.diastolic) || vital.systolic <= 0 ||
        vital.diastolic <= 0) {
      return invalid_oru("blood pressure needs a positive systolic and diastolic");
    }
  } else if (!std::isfinite(vital.value)) {
    return invalid_oru("the value is not a number");
  }
  return {};
}

sdk::Result<OruMessage> vital_sign_oru(const sdk::VitalSignWrite& vital,
                                       const std::optional<sdk::PatientSummary>& patient,
                                       const Hl7v2Settings& settings, std::int64_t sent_at_ms) {
  WASL_RETURN_IF_ERROR(check_vital_sign(vital));
  OruMessage out;
  out.control_id = oru_control_id(vital.idempotency_key);
  out.observation_id = oru_observation_id(vital.idempotency_key);
  const std::string observed_at =
      format_hl7_time(vital.effective_ms, settings.time_zone_offset_minutes, true);
  const std::string_view text =
      vital.display.empty() ? loinc_name(vital.code) : std::string_view(vital.display);

  Er7Writer writer;
  write_msh(writer, "ORU^R01^ORU_R01", out.control_id, settings, sent_at_ms);
  write_pid(writer, vital.patient_id, patient, settings);
  write_pv1(writer, "", vital.encounter_id);
  std::vector<std::string> obr(25);
  obr[0] = "1";
  obr[2] = er7_components({out.observation_id, settings.receiving_application});
  obr[3] = cwe(vital.code, text, "LN");
  obr[6] = observed_at;
  obr[24] = "F";
  writer.segment("OBR", std::move(obr));
  if (vital.code == kBloodPressurePanelLoinc) {
    writer.segment("OBX", obx(1, kSystolicLoinc, loinc_name(kSystolicLoinc), vital.systolic, vital,
                              observed_at));
    writer.segment("OBX", obx(2, kDiastolicLoinc, loinc_name(kDiastolicLoinc), vital.diastolic,
                              vital, observed_at));
  } else {
    writer.segment("OBX", obx(1, vital.code, text, vital.value, vital, observed_at));
  }
  out.text = writer.str();
  return out;
}

sdk::Result<sdk::ResourceCreated> read_oru_ack(std::string_view ack, const OruMessage& sent) {
  return read_outbound_ack(ack, "ORU", sent.control_id, sent.observation_id);
}

}  // namespace wasl::plugins::hl7v2
