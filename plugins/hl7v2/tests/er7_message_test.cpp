#include "plugins/hl7v2/er7_message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugins/hl7v2/tests/standard_messages.hpp"

namespace wasl::hl7v2 {
namespace {

Er7Message parsed(const std::string& text) {
  auto message = Er7Message::parse(text);
  EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error().message);
  return message.ok() ? std::move(message).value() : Er7Message::parse("MSH|^~\\&|").value();
}

// The error message of parsing `text`, which must fail with kInvalidArgument.
std::string refusal(const std::string& text) {
  auto message = Er7Message::parse(text);
  EXPECT_FALSE(message.ok());
  if (message.ok()) return "";
  EXPECT_EQ(message.error().code, sdk::ErrorCode::kInvalidArgument);
  return message.error().message;
}

std::vector<std::string> ids(const Er7Message& m) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m.segment_count(); ++i) out.push_back(m.segment_id(i));
  return out;
}

const std::string kHeader = "MSH|^~\\&|SND|FAC|RCV|FAC|200301101500||ADT^A08^ADT_A01|42|P|2.5.1\r";

// The PID-5 family name of a message whose PID-5 is `name`.
std::string family_name(const std::string& name) {
  return parsed(kHeader + "PID|||1||" + name + "\r").value("PID", 5);
}

TEST(Er7MessageTest, RegisterAPatientA04) {
  const Er7Message m = parsed(standard_message("adt_a04"));
  EXPECT_EQ(ids(m),
            (std::vector<std::string>{"MSH", "EVN", "PID", "NK1", "NK1", "NK1", "NK1", "PV1", "PV2",
                                      "OBX", "OBX", "DG1", "GT1", "IN1", "IN1"}));
  EXPECT_EQ(m.value("MSH", 1), "|");
  EXPECT_EQ(m.value("MSH", 2), "^~\\&");
  EXPECT_EQ(m.value("MSH", 3), "REGADT");
  EXPECT_EQ(m.value("MSH", 4), "MCM");
  EXPECT_EQ(m.value("MSH", 5), "IFENG");
  EXPECT_EQ(m.value("MSH", 6), "");
  EXPECT_EQ(m.value("MSH", 7), "199112311501");
  EXPECT_EQ(m.value("MSH", 9, 1), "ADT");
  EXPECT_EQ(m.value("MSH", 9, 2), "A04");
  EXPECT_EQ(m.value("MSH", 9, 3), "ADT_A01");
  EXPECT_EQ(m.value("MSH", 10), "000001");
  EXPECT_EQ(m.value("MSH", 11), "P");
  EXPECT_EQ(m.value("MSH", 12), "2.5");
  EXPECT_EQ(m.value("EVN", 1), "A04");
  EXPECT_EQ(m.value("EVN", 6), "200301101410");

  EXPECT_EQ(m.repetitions("PID", 3), 2u);
  EXPECT_EQ(m.value("PID", 3, 1), "191919");
  EXPECT_EQ(m.value("PID", 3, 4), "GENHOS");
  EXPECT_EQ(m.value("PID", 3, 5), "MR");
  EXPECT_EQ(m.value("PID", 3, 1, 1, 1), "371-66-9256");
  EXPECT_EQ(m.value("PID", 3, 5, 1, 1), "SS");
  EXPECT_EQ(m.value("PID", 3, 1, 1, 2), "");
  EXPECT_EQ(m.value("PID", 4), "253763");
  EXPECT_EQ(m.value("PID", 5, 1), "MASSIE");
  EXPECT_EQ(m.value("PID", 5, 2), "JAMES");
  EXPECT_EQ(m.value("PID", 5, 3), "A");
  EXPECT_EQ(m.value("PID", 7), "19560129");
  EXPECT_EQ(m.value("PID", 8), "M");
  EXPECT_EQ(m.value("PID", 11, 3), "ISHPEMING");
  EXPECT_EQ(m.value("PID", 11, 6), "\"\"");  // the HL7 null, as written
  EXPECT_EQ(m.value("PID", 18, 1), "10199925");
  EXPECT_EQ(m.value("PID", 19), "371-66-9256");

  EXPECT_EQ(m.occurrences("NK1"), 4u);
  EXPECT_EQ(m.value("NK1", 2, 2, 1, 0, 1), "MARYLOU");
  EXPECT_EQ(m.repetitions("NK1", 6, 1), 2u);
  EXPECT_EQ(m.value("NK1", 6, 1, 1, 1, 1), "(900)545-1200");
  EXPECT_EQ(m.value("NK1", 1, 1, 1, 0, 2), "3");
  EXPECT_EQ(m.value("NK1", 2, 1, 1, 0, 2), "");
  EXPECT_EQ(m.value("NK1", 13, 1, 1, 0, 3), "ACME SOFTWARE COMPANY");
  EXPECT_EQ(m.value("PV1", 2), "O");
  EXPECT_EQ(m.value("PV1", 7, 2), "ADDISON,JAMES");
  EXPECT_EQ(m.value("PV1", 44), "199501101410");
  EXPECT_EQ(m.value("OBX", 3, 2, 1, 0, 1), "HEIGHT");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0, 1), "190");
  EXPECT_EQ(m.value("IN1", 2, 1, 1, 0, 1), "\"\"");
  EXPECT_EQ(m.value_at(2, 5), "MASSIE");
  EXPECT_EQ(m.value_at(9, 6), "kg");
}

TEST(Er7MessageTest, UpdatePatientInformationA08) {
  const Er7Message m = parsed(standard_message("adt_a08"));
  EXPECT_EQ(m.value("MSH", 9, 2), "A08");
  EXPECT_EQ(m.value("EVN", 1), "A08");
  EXPECT_EQ(m.value("PID", 3, 1), "191919");
  EXPECT_EQ(m.value("PID", 5, 2), "JAMES");
  EXPECT_EQ(m.occurrences("NK1"), 2u);
}

TEST(Er7MessageTest, MergePatientA40) {
  const Er7Message m = parsed(standard_message("adt_a40"));
  EXPECT_EQ(ids(m), (std::vector<std::string>{"MSH", "EVN", "PID", "MRG"}));
  EXPECT_EQ(m.value("MSH", 8), "SEC");
  EXPECT_EQ(m.value("MSH", 9, 3), "ADT_A39");
  EXPECT_EQ(m.value("PID", 3, 1), "MR1");
  EXPECT_EQ(m.value("PID", 3, 5), "MR");
  EXPECT_EQ(m.value("PID", 5), "");
  EXPECT_EQ(m.value("MRG", 1, 1), "MR2");
  EXPECT_EQ(m.value("MRG", 1, 4), "XYZ");
}

TEST(Er7MessageTest, NewAppointmentS12WalksTheResourceGroup) {
  const Er7Message m = parsed(standard_message("siu_s12"));
  EXPECT_EQ(m.value("MSH", 9, 1), "SIU");
  EXPECT_EQ(m.value("MSH", 9, 2), "S12");
  EXPECT_EQ(m.value("MSH", 15), "AL");
  EXPECT_EQ(m.value("MSH", 16), "NE");
  EXPECT_EQ(m.value("SCH", 1, 1), "10345");
  EXPECT_EQ(m.value("SCH", 11, 3), "30");
  EXPECT_EQ(m.value("SCH", 11, 4), "200301151030");
  EXPECT_EQ(m.value("SCH", 25), "Booked");
  EXPECT_EQ(m.value("NTE", 3), "Video consultation\nBring the medication list");
  std::vector<std::string> resources;
  for (std::size_t i = 0; i < m.segment_count(); ++i) {
    const std::string& id = m.segment_id(i);
    if (id.size() == 3 && id[0] == 'A' && id[1] == 'I') resources.push_back(m.value_at(i, 3, 1));
  }
  EXPECT_EQ(resources, (std::vector<std::string>{"99213", "TELE1", "CLINIC", "0148"}));
}

TEST(Er7MessageTest, DocumentNotificationT02) {
  const Er7Message m = parsed(standard_message("mdm_t02"));
  EXPECT_EQ(m.value("MSH", 9, 2), "T02");
  EXPECT_EQ(m.value("TXA", 2, 1), "CN");
  EXPECT_EQ(m.value("TXA", 12, 1), "DOC10345");
  EXPECT_EQ(m.value("TXA", 17), "AU");
  EXPECT_EQ(m.repetitions("OBX", 5), 2u);
  EXPECT_EQ(m.value("OBX", 5), "Seen by video for follow-up.\nBlood pressure 130/85 & stable.");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 1), "Continue the current medication.");
  EXPECT_EQ(m.value("OBX", 11), "F");
}

TEST(Er7MessageTest, SegmentsMayEndInLineFeedsOrCarriageReturnLineFeeds) {
  const std::string cr = standard_message("adt_a04");
  std::string lf = cr, crlf;
  for (char& c : lf) {
    if (c == '\r') c = '\n';
  }
  for (char c : cr) {
    crlf += c;
    if (c == '\r') crlf += '\n';
  }
  for (const std::string& text : {lf, crlf, cr + "\r\r\n"}) {
    const Er7Message m = parsed(text);
    EXPECT_EQ(m.segment_count(), 15u);
    EXPECT_EQ(m.value("IN1", 3, 1, 1, 0, 1), "\"\"");
    EXPECT_EQ(m.value("PID", 19), "371-66-9256");
  }
}

TEST(Er7MessageTest, EveryEscapeSequence) {
  EXPECT_EQ(family_name("A\\F\\B"), "A|B");
  EXPECT_EQ(family_name("A\\S\\B"), "A^B");
  EXPECT_EQ(family_name("A\\T\\B"), "A&B");
  EXPECT_EQ(family_name("A\\R\\B"), "A~B");
  EXPECT_EQ(family_name("A\\E\\B"), "A\\B");
  EXPECT_EQ(family_name("\\X41\\"), "A");
  EXPECT_EQ(family_name("\\X0D0A\\"), "\r\n");
  EXPECT_EQ(family_name("\\XD985D8ADd985D8AF\\"), "محمد");  // hex digits in either case
  EXPECT_EQ(family_name("\\XD9\\\\X85\\"), "م");            // one character over two sequences
  EXPECT_EQ(family_name("\\H\\BOLD\\N\\ plain"), "BOLD plain");
  EXPECT_EQ(family_name("line 1\\.br\\line 2"), "line 1\nline 2");
  // Kept as written: other formatting commands, character-set escapes,
  // locally defined escapes, an empty escape, an unclosed one.
  EXPECT_EQ(family_name("a\\.sp2\\b"), "a\\.sp2\\b");
  EXPECT_EQ(family_name("\\C2842\\x"), "\\C2842\\x");
  EXPECT_EQ(family_name("\\Zlocal\\"), "\\Zlocal\\");
  EXPECT_EQ(family_name("a\\\\b"), "a\\\\b");
  EXPECT_EQ(family_name("tail\\F"), "tail\\F");
  // Escapes are read per subcomponent: a delimiter ends an unclosed one.
  const Er7Message m = parsed(kHeader + "PID|||1||EVERY\\MAN^ADAM\\E\\\r");
  EXPECT_EQ(m.value("PID", 5, 1), "EVERY\\MAN");
  EXPECT_EQ(m.value("PID", 5, 2), "ADAM\\");
}

TEST(Er7MessageTest, OtherDelimitersAreReadFromMsh) {
  const Er7Message m =
      parsed("MSH#!@%*#SND#FAC#RCV#FAC#2003##ADT!A08#9#P#2.5.1\rPID###1@2!x*y!%F%%S%%E%%R%##\r");
  EXPECT_EQ(m.delimiters().field, '#');
  EXPECT_EQ(m.delimiters().component, '!');
  EXPECT_EQ(m.delimiters().repetition, '@');
  EXPECT_EQ(m.delimiters().escape, '%');
  EXPECT_EQ(m.delimiters().subcomponent, '*');
  EXPECT_EQ(m.value("MSH", 1), "#");
  EXPECT_EQ(m.value("MSH", 2), "!@%*");
  EXPECT_EQ(m.value("MSH", 9, 2), "A08");
  EXPECT_EQ(m.value("PID", 3), "1");
  EXPECT_EQ(m.value("PID", 3, 1, 1, 1), "2");
  EXPECT_EQ(m.value("PID", 3, 2, 2, 1), "y");
  EXPECT_EQ(m.value("PID", 3, 3, 1, 1), "#!%@");
}

TEST(Er7MessageTest, TheTruncationCharacterOfLaterVersionsIsAccepted) {
  const Er7Message m = parsed("MSH|^~\\&#|SND|||||ADT^A08|1|P|2.7\rPID|||1#2\r");
  EXPECT_EQ(m.value("MSH", 2), "^~\\&#");
  EXPECT_EQ(m.value("MSH", 3), "SND");
  EXPECT_EQ(m.value("PID", 3), "1#2");
}

TEST(Er7MessageTest, AbsentPositionsAnswerEmpty) {
  const Er7Message m = parsed(standard_message("adt_a40"));
  EXPECT_EQ(m.value("ZZZ", 1), "");
  EXPECT_EQ(m.value("PID", 0), "");
  EXPECT_EQ(m.value("PID", 3, 0), "");
  EXPECT_EQ(m.value("PID", 3, 1, 0), "");
  EXPECT_EQ(m.value("PID", 3, 1, 2), "");
  EXPECT_EQ(m.value("PID", 999), "");
  EXPECT_EQ(m.value("PID", 3, 1, 1, 0, 1), "");
  EXPECT_EQ(m.value("MSH", 2, 2), "");
  EXPECT_EQ(m.value("MSH", 1, 1, 1, 1), "");
  EXPECT_EQ(m.value_at(99, 1), "");
  EXPECT_EQ(m.segment_id(99), "");
  EXPECT_EQ(m.occurrences("ZZZ"), 0u);
  EXPECT_EQ(m.repetitions("PID", 5), 0u);
  EXPECT_EQ(m.repetitions("ZZZ", 1), 0u);
  EXPECT_EQ(m.repetitions("MSH", 2), 1u);
  const Er7Message header_only = parsed("MSH|^~\\&");
  EXPECT_EQ(header_only.segment_count(), 1u);
  EXPECT_EQ(header_only.value("MSH", 3), "");
}

TEST(Er7MessageTest, RefusesTextThatIsNotEr7) {
  EXPECT_EQ(refusal(""), "segment 1: the message does not start with an MSH segment");
  EXPECT_EQ(refusal("PID|||1\rMSH|^~\\&|\r"),
            "segment 1: the message does not start with an MSH segment");
  EXPECT_EQ(refusal("\rMSH|^~\\&|\r"), "segment 1: the message does not start with an MSH segment");
  EXPECT_NE(refusal("MSH").find("does not start with an MSH"), std::string::npos);
  for (const std::string bad : {"MSH|^~\\", "MSH|^~\\&!x|", "MSH|^~^&|", "MSH|^~|&|", "MSH|^~\\A|",
                                "MSH ^~\\&|", "MSHA^~\\&A", "MSH|^~ &|", "MSH|\r^~\\&|"}) {
    EXPECT_NE(refusal(bad).find("segment 1 (MSH): MSH-"), std::string::npos) << bad;
  }
  EXPECT_EQ(refusal(kHeader + "EVN|A08\rpid|||1\r"),
            "segment 3: not a segment id (3 capital letters or digits) and a field separator");
  EXPECT_EQ(refusal(kHeader + "PIDX|1\r"),
            "segment 2: not a segment id (3 capital letters or digits) and a field separator");
  EXPECT_EQ(refusal(kHeader + "P\r"),
            "segment 2: not a segment id (3 capital letters or digits) and a field separator");
  EXPECT_EQ(refusal(kHeader + "MSH|^~\\#|\r"),
            "segment 2 (MSH): delimiters differ from those of the first MSH segment");
  EXPECT_EQ(refusal(kHeader + "EVN|A08\rPID|||1||N\xC3\r"), "segment 3: text that is not UTF-8");
}

TEST(Er7MessageTest, RefusesAnInvalidHexEscapeSayingWhereWithoutTheContent) {
  for (const std::string bad : {"\\X4\\", "\\X\\", "\\XG1\\", "\\X4 1\\", "\\XFF\\", "\\XD9\\"}) {
    const std::string text = kHeader + "EVN|A08\rPID|||1||SECRETNAME^ADAM" + bad + "\r";
    const std::string error = refusal(text);
    EXPECT_EQ(error,
              "segment 3 (PID), field 5, component 2: an \\X escape sequence that is not hex "
              "bytes forming UTF-8")
        << bad;
    EXPECT_EQ(error.find("SECRETNAME"), std::string::npos);
  }
  EXPECT_NE(refusal("MSH|^~\\&|\\X1\\|\r").find("segment 1 (MSH), field 3"), std::string::npos);
}

TEST(Er7MessageTest, RefusesInputOverTheLimits) {
  EXPECT_EQ(refusal(kHeader + "NTE|1|" + std::string(kMaxEr7Bytes, 'x') + "\r").substr(0, 18),
            "the message is 104");
  std::string segments = kHeader;
  for (std::size_t i = 1; i < kMaxEr7Segments; ++i) segments += "NTE|1\r";
  EXPECT_EQ(parsed(segments).segment_count(), kMaxEr7Segments);
  EXPECT_EQ(refusal(segments + "NTE|1\r"), "the message has more than 10000 segments");

  EXPECT_EQ(parsed(kHeader + "ZXX" + std::string(kMaxEr7Fields, '|')).value_at(1, 1000), "");
  EXPECT_EQ(refusal(kHeader + "ZXX" + std::string(kMaxEr7Fields + 1, '|')),
            "segment 2 (ZXX): more than 1000 fields");
  EXPECT_EQ(refusal("MSH|^~\\&" + std::string(kMaxEr7Fields - 1, '|')),
            "segment 1 (MSH): more than 1000 fields");

  const std::string at_limit = std::string(kMaxEr7Repetitions - 1, '~');
  EXPECT_EQ(parsed(kHeader + "PID|||" + at_limit + "\r").repetitions("PID", 3), 1000u);
  EXPECT_EQ(refusal(kHeader + "PID|||" + at_limit + "~\r"),
            "segment 2 (PID), field 3: more than 1000 repetitions");
  EXPECT_EQ(refusal(kHeader + "PID|||~" + std::string(kMaxEr7Components, '^') + "\r"),
            "segment 2 (PID), field 3: more than 1000 components");
  EXPECT_EQ(refusal(kHeader + "PID|||^" + std::string(kMaxEr7Subcomponents, '&') + "\r"),
            "segment 2 (PID), field 3: more than 1000 subcomponents");
  // The counts start again in each repetition and component.
  const std::string many =
      std::string(kMaxEr7Components - 1, '^') + "~" + std::string(kMaxEr7Components - 1, '^');
  EXPECT_EQ(parsed(kHeader + "PID|||" + many + "\r").repetitions("PID", 3), 2u);
}

}  // namespace
}  // namespace wasl::hl7v2
