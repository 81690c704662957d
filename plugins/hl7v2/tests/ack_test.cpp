#include "plugins/hl7v2/ack.hpp"

#include <gtest/gtest.h>

#include <string>

#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/tests/standard_messages.hpp"

namespace wasl::hl7v2 {
namespace {

constexpr std::string_view kNow = "20250101120000";

AckRequest request_of(const std::string& text) {
  auto request = read_ack_request(text);
  EXPECT_TRUE(request.ok()) << (request.ok() ? "" : request.error().message);
  return request.ok() ? *request : AckRequest{};
}

// A message asking for acknowledgements as MSH-15 and MSH-16 say.
AckRequest asking(const std::string& msh15, const std::string& msh16) {
  return request_of(
      "MSH|^~\\&|HIS|RIYADH|WASL|CLINIC|20250101115959||SIU^S12^SIU_S12|9001|P|2.5.1|||" + msh15 +
      "|" + msh16 + "\rSCH|1\r");
}

// MSA-1 of the acknowledgement, or "none" when build_ack sends none.
std::string answer(const AckRequest& request, AckCode code) {
  const std::string ack = build_ack(request, code, std::nullopt, kNow, "ACK-1");
  if (ack.empty()) return "none";
  auto parsed = Er7Message::parse(ack);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? parsed->value("MSA", 1) : "";
}

TEST(ReadAckRequestTest, ReadsTheHeaderOfTheStandardsExample) {
  const AckRequest r = request_of(standard_message("adt_a04"));
  EXPECT_EQ(r.sending_application, "REGADT");
  EXPECT_EQ(r.sending_facility, "MCM");
  EXPECT_EQ(r.receiving_application, "IFENG");
  EXPECT_EQ(r.receiving_facility, "");
  EXPECT_EQ(r.message_control_id, "000001");
  EXPECT_EQ(r.processing_id, "P");
  EXPECT_EQ(r.version, "2.5");
  EXPECT_EQ(r.trigger, "A04");
  EXPECT_EQ(r.accept_ack_type, "");
  EXPECT_EQ(r.application_ack_type, "");
  const AckRequest s = request_of(standard_message("siu_s12"));
  EXPECT_EQ(s.trigger, "S12");
  EXPECT_EQ(s.accept_ack_type, "AL");
  EXPECT_EQ(s.application_ack_type, "NE");
}

TEST(ReadAckRequestTest, NeedsOnlyMsh) {
  const AckRequest r = request_of(
      "MSH|^~\\&|HIS|RIYADH|WASL||20250101||ADT^A08^ADT_A01|42|P|2.5.1\r"
      "PID|||\\X4\\\rgarbage that is no segment\r\xFF\xFE");
  EXPECT_EQ(r.message_control_id, "42");
  EXPECT_EQ(r.trigger, "A08");
  for (const std::string bad : {"", "PID|||1\r", "MSH|^~|\r", "MSH|^~\\&|\\X4\\\r"}) {
    auto request = read_ack_request(bad);
    ASSERT_FALSE(request.ok()) << bad;
    EXPECT_EQ(request.error().code, sdk::ErrorCode::kInvalidArgument);
  }
}

TEST(ReadAckRequestTest, KeepsComponentsInTheStandardEncoding) {
  const AckRequest r = request_of(
      "MSH#!@%*#HIS!2.16.840.1.113883.3.1!ISO#A^B#WASL#C*D#2025##ADT!A08#X%F%1#P#2.5.1!SAU\r");
  EXPECT_EQ(r.sending_application, "HIS^2.16.840.1.113883.3.1^ISO");
  EXPECT_EQ(r.sending_facility, "A\\S\\B");  // a '^' in the text is escaped, not a separator
  EXPECT_EQ(r.receiving_facility, "C&D");
  EXPECT_EQ(r.message_control_id, "X#1");
  EXPECT_EQ(r.version, "2.5.1^SAU");
  EXPECT_EQ(r.trigger, "A08");
}

TEST(BuildAckTest, OriginalModeAcceptsWithAa) {
  const AckRequest r = request_of(standard_message("adt_a04"));
  EXPECT_EQ(build_ack(r, AckCode::kAccept, std::nullopt, kNow, "ACK-1"),
            "MSH|^~\\&|IFENG||REGADT|MCM|20250101120000||ACK^A04^ACK|ACK-1|P|2.5\r"
            "MSA|AA|000001\r");
  EXPECT_EQ(answer(r, AckCode::kError), "AE");
  EXPECT_EQ(answer(r, AckCode::kReject), "AR");
}

TEST(BuildAckTest, AnErrorCarriesAnErrSegment) {
  const AckRequest r = request_of(standard_message("adt_a40"));
  const AckError error{"101", "PID^1^3", "PID-3 has no identifier | of the configured type"};
  const std::string ack = build_ack(r, AckCode::kError, error, kNow, "ACK-2");
  EXPECT_EQ(ack,
            "MSH|^~\\&|RSP1P8|MCM|REGADT|MCM|20250101120000||ACK^A40^ACK|ACK-2|P|2.5\r"
            "MSA|AE|00000003\r"
            "ERR||PID^1^3|101^Required field missing^HL70357|E||||"
            "PID-3 has no identifier \\F\\ of the configured type\r");
  auto parsed = Er7Message::parse(ack);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->value("ERR", 2, 1), "PID");
  EXPECT_EQ(parsed->value("ERR", 2, 3), "3");
  EXPECT_EQ(parsed->value("ERR", 3, 1), "101");
  EXPECT_EQ(parsed->value("ERR", 3, 3), "HL70357");
  EXPECT_EQ(parsed->value("ERR", 4), "E");
  EXPECT_EQ(parsed->value("ERR", 8), error.text);

  const std::string reject =
      build_ack(r, AckCode::kReject, AckError{"XYZ", "", "refused"}, kNow, "ACK-3");
  EXPECT_NE(reject.find("MSA|AR|00000003\rERR|||XYZ^^HL70357|E||||refused\r"), std::string::npos)
      << reject;
  // An accept has no ERR even when an error is passed.
  EXPECT_EQ(build_ack(r, AckCode::kAccept, error, kNow, "ACK-4").find("ERR"), std::string::npos);
}

TEST(BuildAckTest, EnhancedModeAnswersAsMsh15Asks) {
  for (const std::string& always : {"AL", "", "al", "XX"}) {
    const AckRequest r = asking(always, "NE");
    EXPECT_EQ(answer(r, AckCode::kAccept), "CA") << always;
    EXPECT_EQ(answer(r, AckCode::kError), "CE") << always;
    EXPECT_EQ(answer(r, AckCode::kReject), "CR") << always;
  }
  const AckRequest never = asking("NE", "AL");
  EXPECT_EQ(answer(never, AckCode::kAccept), "none");
  EXPECT_EQ(answer(never, AckCode::kError), "none");
  EXPECT_EQ(answer(never, AckCode::kReject), "none");
  const AckRequest on_error = asking("ER", "");
  EXPECT_EQ(answer(on_error, AckCode::kAccept), "none");
  EXPECT_EQ(answer(on_error, AckCode::kError), "CE");
  EXPECT_EQ(answer(on_error, AckCode::kReject), "CR");
  const AckRequest on_success = asking("SU", "");
  EXPECT_EQ(answer(on_success, AckCode::kAccept), "CA");
  EXPECT_EQ(answer(on_success, AckCode::kError), "none");
  EXPECT_EQ(answer(on_success, AckCode::kReject), "none");
  // Both empty: original mode.
  EXPECT_EQ(answer(asking("", ""), AckCode::kAccept), "AA");

  EXPECT_EQ(build_ack(asking("AL", "NE"), AckCode::kAccept, std::nullopt, kNow, "A|1"),
            "MSH|^~\\&|WASL|CLINIC|HIS|RIYADH|20250101120000||ACK^S12^ACK|A\\F\\1|P|2.5.1\r"
            "MSA|CA|9001\r");
}

}  // namespace
}  // namespace wasl::hl7v2
