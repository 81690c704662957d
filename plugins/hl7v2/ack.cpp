#include "plugins/hl7v2/ack.hpp"

#include <string>
#include <vector>

#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/er7_writer.hpp"

namespace wasl::hl7v2 {
namespace {

// HL7 table 0357 (message error condition codes), v2.5.
std::string_view error_code_text(std::string_view code) {
  struct Entry {
    std::string_view code, text;
  };
  static constexpr Entry kTable[] = {
      {"0", "Message accepted"},
      {"100", "Segment sequence error"},
      {"101", "Required field missing"},
      {"102", "Data type error"},
      {"103", "Table value not found"},
      {"200", "Unsupported message type"},
      {"201", "Unsupported event code"},
      {"202", "Unsupported processing id"},
      {"203", "Unsupported version id"},
      {"204", "Unknown key identifier"},
      {"205", "Duplicate key identifier"},
      {"206", "Application record locked"},
      {"207", "Application internal error"},
  };
  for (const Entry& entry : kTable) {
    if (entry.code == code) return entry.text;
  }
  return {};
}

std::string upper_trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// A field's raw text written again in the standard encoding: each
// subcomponent unescaped with the message's delimiters and escaped with
// the standard ones, joined by the standard separators.
std::string reencoded(std::string_view raw, const Er7Delimiters& d) {
  static const Er7Delimiters kStandard;
  std::string out, sub;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= raw.size(); ++i) {
    const bool end = i == raw.size();
    const char c = end ? '\0' : raw[i];
    if (!end && c != d.repetition && c != d.component && c != d.subcomponent) continue;
    sub.clear();
    er7_unescape(raw.substr(start, i - start), d, sub);
    out += er7_escape(sub, kStandard);
    if (!end) {
      out += c == d.repetition  ? kStandard.repetition
             : c == d.component ? kStandard.component
                                : kStandard.subcomponent;
    }
    start = i + 1;
  }
  return out;
}

}  // namespace

std::string build_ack(const AckRequest& original, AckCode code,
                      const std::optional<AckError>& error, std::string_view timestamp,
                      std::string_view ack_control_id) {
  const bool enhanced = !original.accept_ack_type.empty() || !original.application_ack_type.empty();
  if (enhanced) {
    const std::string when = upper_trimmed(original.accept_ack_type);
    if (when == "NE") return {};
    if (when == "ER" && code == AckCode::kAccept) return {};
    if (when == "SU" && code != AckCode::kAccept) return {};
  }
  std::string msa1 = enhanced ? "C" : "A";
  msa1 += code == AckCode::kAccept ? 'A' : code == AckCode::kError ? 'E' : 'R';

  Er7Writer writer;
  writer.segment("MSH", {"^~\\&", original.receiving_application, original.receiving_facility,
                         original.sending_application, original.sending_facility,
                         er7_escape(timestamp), "", "ACK^" + er7_escape(original.trigger) + "^ACK",
                         er7_escape(ack_control_id), original.processing_id, original.version});
  writer.segment("MSA", {msa1, original.message_control_id});
  if (error.has_value() && code != AckCode::kAccept) {
    writer.segment("ERR", {"", error->location,
                           er7_escape(error->hl7_code) + "^" +
                               er7_escape(error_code_text(error->hl7_code)) + "^HL70357",
                           "E", "", "", "", er7_escape(error->text)});
  }
  return writer.str();
}

sdk::Result<AckRequest> read_ack_request(std::string_view utf8_text) {
  const std::string_view first_line = utf8_text.substr(0, utf8_text.find_first_of("\r\n"));
  WASL_ASSIGN_OR_RETURN(const Er7Message msh, Er7Message::parse(first_line));
  const Er7Delimiters& d = msh.delimiters();
  // The raw fields of the MSH line: fields[n] is MSH-(n + 2).
  std::vector<std::string_view> fields;
  std::size_t start = 4;
  while (start <= first_line.size()) {
    const std::size_t end = first_line.find(d.field, start);
    fields.push_back(first_line.substr(
        start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  const auto field = [&](std::size_t number) {
    return number - 2 < fields.size() ? reencoded(fields[number - 2], d) : std::string();
  };
  AckRequest request;
  request.sending_application = field(3);
  request.sending_facility = field(4);
  request.receiving_application = field(5);
  request.receiving_facility = field(6);
  request.message_control_id = field(10);
  request.processing_id = field(11);
  request.version = field(12);
  request.trigger = msh.value("MSH", 9, 2);
  request.accept_ack_type = msh.value("MSH", 15);
  request.application_ack_type = msh.value("MSH", 16);
  return request;
}

}  // namespace wasl::hl7v2
