#include "plugins/hl7v2/outbound.hpp"

#include <openssl/sha.h>

#include <vector>

#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/hl7_time.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using sdk::Error;
using sdk::ErrorCode;
using ::wasl::hl7v2::er7_escape;
using ::wasl::hl7v2::Er7Message;
using ::wasl::hl7v2::Er7Writer;

std::string outbound_sha256_hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return sdk::to_hex(digest, sizeof digest);
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

}  // namespace

std::string er7_components(std::initializer_list<std::string_view> parts) {
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

std::string outbound_control_id(std::string_view scope, std::string_view idempotency_key) {
  return "W" +
         outbound_sha256_hex(std::string(scope) + "|" + std::string(idempotency_key)).substr(0, 19);
}

void write_msh(Er7Writer& writer, std::string_view message_type, const std::string& control_id,
               const Hl7v2Settings& settings, std::int64_t sent_at_ms) {
  writer.segment(
      "MSH",
      {"^~\\&", er7_escape(settings.receiving_application), er7_escape(settings.receiving_facility),
       "", "", format_hl7_time(sent_at_ms, settings.time_zone_offset_minutes, true), "",
       std::string(message_type), er7_escape(control_id), "P", std::string(kOutboundVersion), "",
       "", "", "", "", er7_escape(settings.outbound.charset)});
}

void write_pid(Er7Writer& writer, const std::string& patient_id,
               const std::optional<sdk::PatientSummary>& patient, const Hl7v2Settings& settings) {
  std::vector<std::string> pid(8);
  pid[0] = "1";
  pid[2] = er7_components({patient_id, "", "", "", settings.patient_id_from});
  if (patient) {
    pid[4] = er7_components({patient->family_name, patient->given_name});
    pid[6] = hl7_date(patient->birth_date);
    pid[7] = hl7_sex(patient->gender);
  }
  writer.segment("PID", std::move(pid));
}

void write_pv1(Er7Writer& writer, const std::string& practitioner_id,
               const std::string& encounter_id) {
  std::vector<std::string> pv1(19);
  pv1[0] = "1";
  pv1[1] = "O";
  pv1[6] = er7_components({practitioner_id});
  pv1[18] = er7_components({encounter_id});
  writer.segment("PV1", std::move(pv1));
}

sdk::Result<sdk::ResourceCreated> read_outbound_ack(std::string_view ack, std::string_view kind,
                                                    const std::string& control_id,
                                                    const std::string& resource_id) {
  const std::string what = std::string(kind) + " message";
  auto parsed = Er7Message::parse(ack);
  if (!parsed.ok()) {
    return Error(ErrorCode::kUnavailable,
                 "the HIS answered the " + what +
                     " with something that is not ER7: " + parsed.error().message,
                 true);
  }
  const Er7Message& m = parsed.value();
  const std::string code = m.value("MSA", 1);
  if (m.occurrences("MSA") == 0 || m.value("MSA", 2) != control_id) {
    return Error(ErrorCode::kUnavailable,
                 "the HIS's answer does not acknowledge " + what + " " + control_id, true);
  }
  if (code == "AA" || code == "CA") {
    return sdk::ResourceCreated{resource_id, "", true};
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
                 "the HIS refused " + what + " " + control_id + " (" + code + ")" + because, false);
  }
  if (code == "AR" || code == "CR") {
    return Error(ErrorCode::kFailedPrecondition,
                 "the HIS rejected " + what + " " + control_id + " (" + code + ")" + because,
                 false);
  }
  return Error(ErrorCode::kUnavailable,
               "the HIS answered " + what + " " + control_id +
                   " with an acknowledgement code that is none of AA, AE, AR, CA, CE, CR",
               true);
}

}  // namespace wasl::plugins::hl7v2
