#include "plugins/hl7v2/mdm.hpp"

#include <vector>

#include "plugins/hl7v2/er7_writer.hpp"
#include "plugins/hl7v2/hl7_time.hpp"
#include "plugins/hl7v2/outbound.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/timestamp.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using sdk::Error;
using sdk::ErrorCode;
using ::wasl::hl7v2::er7_escape;
using ::wasl::hl7v2::Er7Writer;

// The segments every MDM^T02 starts with: MSH, EVN, PID, PV1.
Er7Writer header(const std::string& control_id, const std::string& patient_id,
                 const std::optional<sdk::PatientSummary>& patient,
                 const std::string& practitioner_id, const std::string& encounter_id,
                 const Hl7v2Settings& settings, std::int64_t sent_at_ms) {
  Er7Writer writer;
  write_msh(writer, "MDM^T02^MDM_T02", control_id, settings, sent_at_ms);
  writer.segment("EVN",
                 {"T02", format_hl7_time(sent_at_ms, settings.time_zone_offset_minutes, true)});
  write_pid(writer, patient_id, patient, settings);
  write_pv1(writer, practitioner_id, encounter_id);
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
  fields[4] = er7_components({practitioner_id});
  fields[11] = er7_components({document_number, settings.receiving_application});
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
  if (role == "patient") return er7_components({"ATTEND-PATIENT", "Patient in the session", "L"});
  if (role == "clinician") {
    return er7_components({"ATTEND-CLINICIAN", "Clinician in the session", "L"});
  }
  if (role == "interpreter") {
    return er7_components({"ATTEND-INTERPRETER", "Interpreter in the session", "L"});
  }
  return er7_components({"ATTEND-GUEST", "Guest in the session", "L"});
}

}  // namespace

std::string mdm_control_id(std::string_view idempotency_key) {
  return outbound_control_id("hl7v2-mdm", idempotency_key);
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
  writer.segment("TXA",
                 txa(er7_components({"CN", "Consultation", "HL70270"}), "TX", request.start_ms,
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
  writer.segment("OBX",
                 obx(1, "TX", er7_components({"VIRTUAL-ENCOUNTER", "Virtual encounter", "L"}),
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
              er7_components(
                  {format_hl7_time(period.start_ms, settings.time_zone_offset_minutes, true),
                   period.end_ms == 0
                       ? std::string()
                       : format_hl7_time(period.end_ms, settings.time_zone_offset_minutes, true)}));
      fields[3] = std::to_string(participant);
      if (p.role == "clinician" && !p.practitioner_id.empty()) {
        fields.resize(16);
        fields[15] = er7_components({p.practitioner_id});
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
                                      ? er7_components({"DOC", request.title, "L"})
                                      : er7_components({request.type_code, request.title, "LN"});
  const bool inline_text = request.url.empty() && request.content_type.rfind("text/plain", 0) == 0;
  const std::string document_type = request.type_code.empty()
                                        ? er7_components({"CN", "Consultation", "HL70270"})
                                        : er7_components({request.type_code, request.title, "LN"});
  writer.segment(
      "TXA", txa(document_type, inline_text ? "TX" : "AP", 0, "", out.document_number, settings));
  int set_id = 1;
  const auto [type, subtype] = data_type(request.content_type);
  if (!request.url.empty()) {
    writer.segment(
        "OBX", obx(set_id++, "RP", observation,
                   er7_components({request.url, settings.receiving_application, type, subtype})));
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
                                er7_components({settings.receiving_application, type, subtype,
                                                "Base64", request.data_base64})));
    }
  }
  if (!request.sha256_hex.empty()) {
    writer.segment("OBX",
                   obx(set_id++, "ST", er7_components({"SHA256", "SHA-256 of the content", "L"}),
                       er7_escape(request.sha256_hex)));
  }
  if (request.size_bytes > 0) {
    writer.segment("OBX",
                   obx(set_id++, "NM", er7_components({"SIZE", "Size of the content", "L"}),
                       std::to_string(request.size_bytes), er7_components({"By", "byte", "UCUM"})));
  }
  out.text = writer.str();
  return out;
}

sdk::Result<sdk::ResourceCreated> read_mdm_ack(std::string_view ack, const MdmMessage& sent) {
  return read_outbound_ack(ack, "MDM", sent.control_id, sent.document_number);
}

}  // namespace wasl::plugins::hl7v2
