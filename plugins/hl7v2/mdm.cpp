#include "plugins/hl7v2/mdm.hpp"

#include <openssl/sha.h>

#include <vector>

#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/er7_writer.hpp"
#include "plugins/hl7v2/hl7_time.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/timestamp.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using sdk::Error;
using sdk::ErrorCode;
using ::wasl::hl7v2::er7_escape;
using ::wasl::hl7v2::Er7Message;
using ::wasl::hl7v2::Er7Writer;

constexpr std::string_view kVersion = "2.5.1";

std::string sha256_hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return sdk::to_hex(digest, sizeof digest);
}

// Components escaped and joined by '^', trailing empty ones dropped.
std::string components(std::initializer_list<std::string_view> parts) {
  std::vector<std::string> escaped;
  for (std::string_view part : parts) escaped.push_back(er7_escape(part));
  while (!escaped.empty() && escaped.back().empty()) escaped.pop_back();
  std::string out;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (i > 0) out += '^';
    out += escaped[i];
  }
  return out;
}

std::string hl7_sex(const std::string& gender) {
  if (gender == "male") return "M";
  if (gender == "female") return "F";
  if (gender == "other") return "O";
  if (gender == "unknown") return "U";
  return "";
}

// "1962-03-15" -> "19620315".
std::string hl7_date(const std::string& fhir_date) {
  std::string out;
  for (char c : fhir_date) {
    if (c != '-') out += c;
  }
  return out;
}

// The segments every MDM^T02 starts with: MSH, EVN, PID, PV1.
Er7Writer header(const std::string& control_id, const std::string& patient_id,
                 const std::optional<sdk::PatientSummary>& patient,
                 const std::string& practitioner_id, const std::string& encounter_id,
                 const Hl7v2Settings& settings, std::int64_t sent_at_ms) {
  const std::string sent_at = format_hl7_time(sent_at_ms, settings.time_zone_offset_minutes, true);
  Er7Writer writer;
  writer.segment("MSH", {"^~\\&", er7_escape(settings.receiving_application),
                         er7_escape(settings.receiving_facility), "", "", sent_at, "",
                         "MDM^T02^MDM_T02", er7_escape(control_id), "P", std::string(kVersion), "",
                         "", "", "", "", er7_escape(settings.outbound.charset)});
  writer.segment("EVN", {"T02", sent_at});
  std::vector<std::string> pid(8);
  pid[0] = "1";
  pid[2] = components({patient_id, "", "", "", settings.patient_id_from});
  if (patient) {
    pid[4] = components({patient->family_name, patient->given_name});
    pid[6] = hl7_date(patient->birth_date);
    pid[7] = hl7_sex(patient->gender);
  }
  writer.segment("PID", std::move(pid));
  std::vector<std::string> pv1(19);
  pv1[0] = "1";
  pv1[1] = "O";
  pv1[6] = components({practitioner_id});
  pv1[18] = components({encounter_id});
  writer.segment("PV1", std::move(pv1));
  return writer;
}

// TXA with the fields MDM^T02 needs.
std::vector<std::string> txa(const std::string& document_type, const std::string& presentation,
                             std::int64_t activity_ms, const std::string& practitioner_id,
                             const std::string& document_number, const Hl7v2Settings& settings) {
  std::vector<std::string> fields(19);
  fields[0] = "1";
  fields[1] = document_type;
  fields[2] = presentation;
  if (activity_ms != 0) {
    fields[3] = format_hl7_time(activity_ms, settings.time_zone_offset_minutes, true);
  }
  fields[4] = components({practitioner_id});
  fields[11] = components({document_number, settings.receiving_application});
  fields[16] = "AU";
  fields[18] = "AV";
  return fields;
}

// OBX-1..OBX-11 with value type `type`, observation `id`, value and units.
std::vector<std::string> obx(int set_id, std::string type, std::string id, std::string value,
                             std::string units = "") {
  std::vector<std::string> fields(11);
  fields[0] = std::to_string(set_id);
  fields[1] = std::move(type);
  fields[2] = std::move(id);
  fields[4] = std::move(value);
  fields[5] = std::move(units);
  fields[10] = "F";
  return fields;
}

// Text as TX repetitions, one a line (an ER7 value cannot hold a line break).
std::string text_lines(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (start > 0) out += '~';
    out += er7_escape(line);
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// RP/ED "type of data" (table 0191) and subtype of a MIME type.
std::pair<std::string, std::string> data_type(const std::string& content_type) {
  const std::size_t slash = content_type.find('/');
  const std::string major = content_type.substr(0, slash);
  std::string minor = slash == std::string::npos ? "" : content_type.substr(slash + 1);
  minor = minor.substr(0, minor.find(';'));
  for (char& c : minor) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (major == "audio") return {"AU", minor};
  if (major == "image") return {"IM", minor};
  if (major == "text") return {"TEXT", minor};
  return {"AP", minor};
}

// OBX-3 of a participant's attendance periods, by its role.
std::string attendance_observation(const std::string& role) {
  if (role == "patient") return components({"ATTEND-PATIENT", "Patient in the session", "L"});
  if (role == "clinician") {
    return components({"ATTEND-CLINICIAN", "Clinician in the session", "L"});
  }
  if (role == "interpreter") {
    return components({"ATTEND-INTERPRETER", "Interpreter in the session", "L"});
  }
  return components({"ATTEND-GUEST", "Guest in the session", "L"});
}

}  // namespace

std::string mdm_control_id(std::string_view idempotency_key) {
  return "W" + sha256_hex("hl7v2-mdm|" + std::string(idempotency_key)).substr(0, 19);
}

std::string mdm_document_number(std::string_view idempotency_key) {
  return sdk::name_based_uuid("hl7v2-document|" + std::string(idempotency_key));
}

MdmMessage encounter_mdm(const sdk::EncounterRequest& request,
                         const std::optional<sdk::PatientSummary>& patient,
                         const Hl7v2Settings& settings, std::int64_t sent_at_ms) {
  MdmMessage out;
  out.control_id = mdm_control_id(request.idempotency_key);
  out.document_number = mdm_document_number(request.idempotency_key);
  Er7Writer writer = header(out.control_id, request.patient_id, patient, request.practitioner_id,
                            "", settings, sent_at_ms);
  writer.segment("TXA", txa(components({"CN", "Consultation", "HL70270"}), "TX", request.start_ms,
                            request.practitioner_id, out.document_number, settings));
  auto when = [&](std::int64_t ms) {
    return ms == 0 ? std::string("not recorded")
                   : sdk::format_iso8601(ms, settings.time_zone_offset_minutes,
                                         sdk::FractionDigits::kNone);
  };
  std::string summary = "Virtual encounter (class " + request.encounter_class + "), status " +
                        request.status + "\nStart: " + when(request.start_ms) +
                        "\nEnd: " + when(request.end_ms);
  if (!request.appointment_id.empty()) summary += "\nAppointment: " + request.appointment_id;
  summary += "\nParticipants: patient " + request.patient_id;
  if (!request.practitioner_id.empty()) summary += ", practitioner " + request.practitioner_id;
  writer.segment("OBX", obx(1, "TX", components({"VIRTUAL-ENCOUNTER", "Virtual encounter", "L"}),
                            text_lines(summary)));
  int set_id = 2;
  int participant = 0;
  for (const sdk::EncounterParticipant& p : request.participants) {
    if (p.periods.empty()) continue;
    ++participant;
    const std::string observation = attendance_observation(p.role);
    for (const sdk::AttendancePeriod& period : p.periods) {
      std::vector<std::string> fields =
          obx(set_id++, "DR", observation,
              components(
                  {format_hl7_time(period.start_ms, settings.time_zone_offset_minutes, true),
                   period.end_ms == 0
                       ? std::string()
                       : format_hl7_time(period.end_ms, settings.time_zone_offset_minutes, true)}));
      fields[3] = std::to_string(participant);
      if (p.role == "clinician" && !p.practitioner_id.empty()) {
        fields.resize(16);
        fields[15] = components({p.practitioner_id});
      }
      writer.segment("OBX", std::move(fields));
    }
  }
  out.text = writer.str();
  return out;
}

sdk::Result<MdmMessage> document_mdm(const sdk::DocumentRequest& request,
                                     const std::optional<sdk::PatientSummary>& patient,
                                     const Hl7v2Settings& settings, std::int64_t sent_at_ms) {
  MdmMessage out;
  out.control_id = mdm_control_id(request.idempotency_key);
  out.document_number = mdm_document_number(request.idempotency_key);
  Er7Writer writer = header(out.control_id, request.patient_id, patient, "", request.encounter_id,
                            settings, sent_at_ms);
  const std::string observation = request.type_code.empty()
                                      ? components({"DOC", request.title, "L"})
                                      : components({request.type_code, request.title, "LN"});
  const bool inline_text = request.url.empty() && request.content_type.rfind("text/plain", 0) == 0;
  const std::string document_type = request.type_code.empty()
                                        ? components({"CN", "Consultation", "HL70270"})
                                        : components({request.type_code, request.title, "LN"});
  writer.segment(
      "TXA", txa(document_type, inline_text ? "TX" : "AP", 0, "", out.document_number, settings));
  int set_id = 1;
  const auto [type, subtype] = data_type(request.content_type);
  if (!request.url.empty()) {
    writer.segment("OBX",
                   obx(set_id++, "RP", observation,
                       components({request.url, settings.receiving_application, type, subtype})));
  } else {
    if (inline_text) {
      const std::optional<std::string> text = sdk::base64_decode(request.data_base64);
      if (!text) {
        return Error(ErrorCode::kInvalidArgument, "the document's data_base64 is not base64",
                     false);
      }
      writer.segment("OBX", obx(set_id++, "TX", observation, text_lines(*text)));
    } else {
      if (!sdk::base64_decode(request.data_base64)) {
        return Error(ErrorCode::kInvalidArgument, "the document's data_base64 is not base64",
                     false);
      }
      writer.segment("OBX", obx(set_id++, "ED", observation,
                                components({settings.receiving_application, type, subtype, "Base64",
                                            request.data_base64})));
    }
  }
  if (!request.sha256_hex.empty()) {
    writer.segment("OBX", obx(set_id++, "ST", components({"SHA256", "SHA-256 of the content", "L"}),
                              er7_escape(request.sha256_hex)));
  }
  if (request.size_bytes > 0) {
    writer.segment("OBX",
                   obx(set_id++, "NM", components({"SIZE", "Size of the content", "L"}),
                       std::to_string(request.size_bytes), components({"By", "byte", "UCUM"})));
  }
  out.text = writer.str();
  return out;
}

sdk::Result<sdk::ResourceCreated> read_mdm_ack(std::string_view ack, const MdmMessage& sent) {
  auto parsed = Er7Message::parse(ack);
  if (!parsed.ok()) {
    return Error(ErrorCode::kUnavailable,
                 "the HIS answered the MDM message with something that is not ER7: " +
                     parsed.error().message,
                 true);
  }
  const Er7Message& m = parsed.value();
  const std::string code = m.value("MSA", 1);
  if (m.occurrences("MSA") == 0 || m.value("MSA", 2) != sent.control_id) {
    return Error(ErrorCode::kUnavailable,
                 "the HIS's answer does not acknowledge MDM message " + sent.control_id, true);
  }
  if (code == "AA" || code == "CA") {
    return sdk::ResourceCreated{sent.document_number, "", true};
  }
  std::string text = m.value("ERR", 8);
  if (text.empty()) text = m.value("ERR", 3, 2);
  if (text.empty()) text = m.value("MSA", 3);
  if (text.size() > 200) {
    text.resize(200);
    // No partial UTF-8 sequence at the cut.
    while (!text.empty() && static_cast<unsigned char>(text.back()) >= 0x80) text.pop_back();
  }
  const std::string because = text.empty() ? "" : ": " + text;
  if (code == "AE" || code == "CE") {
    return Error(ErrorCode::kInvalidArgument,
                 "the HIS refused MDM message " + sent.control_id + " (" + code + ")" + because,
                 false);
  }
  if (code == "AR" || code == "CR") {
    return Error(ErrorCode::kFailedPrecondition,
                 "the HIS rejected MDM message " + sent.control_id + " (" + code + ")" + because,
                 false);
  }
  return Error(ErrorCode::kUnavailable,
               "the HIS answered MDM message " + sent.control_id +
                   " with an acknowledgement code that is none of AA, AE, AR, CA, CE, CR",
               true);
}

}  // namespace wasl::plugins::hl7v2
