// HL7 v2 messages as the MLLP listener hands them to the hl7v2 plugin: the
// bytes through to_utf8 (the default character set picked by the input's
// size), Er7Message::parse and a few reads, then read_ack_request and the
// acknowledgement, which must parse and name the message's MSH-10; a value
// read must come back through er7_escape unchanged.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/hl7v2/ack.hpp"
#include "plugins/hl7v2/charset.hpp"
#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/er7_writer.hpp"

namespace {

using namespace wasl::hl7v2;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

void check_escape_round_trip(const std::string& value) {
  const auto message = Er7Message::parse("MSH|^~\\&|A\rNTE|1||" + er7_escape(value) + "\r");
  require(message.ok() && message->value("NTE", 3) == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view kDefaults[] = {"", "8859/6", "WINDOWS-1256", "8859/1"};
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const std::string_view default_charset = kDefaults[size % 4];
  (void)declared_charset(raw);
  const auto text = to_utf8(raw, default_charset);
  if (!text.ok()) return 0;
  (void)from_utf8(*text, declared_charset(raw).empty() ? default_charset : declared_charset(raw));

  const auto message = Er7Message::parse(*text);
  if (message.ok()) {
    (void)message->value("MSH", 9, 2);
    (void)message->value("MSH", 18);
    (void)message->repetitions("PID", 3);
    (void)message->occurrences("OBX");
    for (std::size_t i = 0; i < message->segment_count() && i < 64; ++i) {
      const std::string value = message->value_at(i, 3, 1, 1, 0);
      check_escape_round_trip(value);
      (void)message->value_at(i, 5, 2, 1, 1);
    }
    check_escape_round_trip(message->value("PID", 5));
  }

  const auto request = read_ack_request(*text);
  if (!request.ok()) return 0;
  const AckError error{"207", "PID^1^5", "fuzz"};
  const std::string ack = build_ack(*request, AckCode::kError, error, "20250101120000", "ACK-1");
  // Empty: enhanced mode asking for none. Escaping may make an ACK longer
  // than the message, past what the reader takes.
  if (ack.empty() || ack.size() > kMaxEr7Bytes) return 0;
  const auto parsed_ack = Er7Message::parse(ack);
  require(parsed_ack.ok());
  const auto header = Er7Message::parse(text->substr(0, text->find_first_of("\r\n")));
  require(header.ok() && parsed_ack->value("MSA", 2) == header->value("MSH", 10) &&
          parsed_ack->value("MSH", 5) == header->value("MSH", 3));
  return 0;
}
