#include "plugins/hl7v2/er7_writer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugins/hl7v2/er7_message.hpp"

namespace wasl::hl7v2 {
namespace {

TEST(Er7EscapeTest, EscapesEveryDelimiterAndLineBreak) {
  EXPECT_EQ(er7_escape("plain text 123"), "plain text 123");
  EXPECT_EQ(er7_escape("a|b^c~d\\e&f"), "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f");
  EXPECT_EQ(er7_escape("1\r2\n3"), "1\\X0D\\2\\X0A\\3");
  EXPECT_EQ(er7_escape("محمد"), "محمد");
  const Er7Delimiters other{'#', '!', '@', '%', '*'};
  EXPECT_EQ(er7_escape("#!@%*|^", other), "%F%%S%%R%%E%%T%|^");
}

TEST(Er7EscapeTest, WhatItEscapesReadsBackThroughTheParser) {
  const std::vector<std::string> texts = {
      "",
      "EVERYMAN",
      "O'Brien-Smith, Jr.",
      "a|b^c~d\\e&f",
      "\\F\\ already looks escaped \\X41\\ \\.br\\ \\H\\",
      "two\r\nlines\nand\rmore",
      "محمد العتيبي",
      "\\",
      "\\\\",
      "|^~\\&",
      std::string("nul\0inside", 10),
  };
  for (const Er7Delimiters& d : {Er7Delimiters{}, Er7Delimiters{'#', '!', '@', '%', '*'}}) {
    for (const std::string& a : texts) {
      for (const std::string& b : {std::string("second"), std::string("x&y^z")}) {
        std::string message = std::string("MSH") + d.field + d.component + d.repetition + d.escape +
                              d.subcomponent + d.field + "SND\rPID" + d.field + d.field + d.field +
                              "1" + d.field + d.field + er7_escape(a, d) + d.component +
                              er7_escape(b, d) + d.repetition + er7_escape(b, d) + d.subcomponent +
                              er7_escape(a, d) + "\r";
        auto parsed = Er7Message::parse(message);
        ASSERT_TRUE(parsed.ok()) << parsed.error().message;
        EXPECT_EQ(parsed->value("PID", 5, 1), a);
        EXPECT_EQ(parsed->value("PID", 5, 2), b);
        EXPECT_EQ(parsed->value("PID", 5, 1, 1, 1), b);
        EXPECT_EQ(parsed->value("PID", 5, 1, 2, 1), a);
        EXPECT_EQ(parsed->repetitions("PID", 5), 2u);
      }
    }
  }
}

TEST(Er7WriterTest, JoinsFieldsAndEndsEachSegment) {
  Er7Writer writer;
  writer
      .segment("MSH", {"^~\\&", "WASL", "CLINIC", "", "", "20250101120000", "", "MDM^T02^MDM_T02",
                       "1", "P", "2.5.1"})
      .segment("EVN", {"T02"})
      .segment("PID", {"", "", "1^^^GENHOS^MR", "", er7_escape("EVERY^MAN") + "^ADAM"})
      .segment("NTE", {});
  EXPECT_EQ(writer.str(),
            "MSH|^~\\&|WASL|CLINIC|||20250101120000||MDM^T02^MDM_T02|1|P|2.5.1\r"
            "EVN|T02\r"
            "PID|||1^^^GENHOS^MR||EVERY\\S\\MAN^ADAM\r"
            "NTE\r");
  auto parsed = Er7Message::parse(writer.str());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->value("MSH", 3), "WASL");
  EXPECT_EQ(parsed->value("MSH", 9, 2), "T02");
  EXPECT_EQ(parsed->value("MSH", 12), "2.5.1");
  EXPECT_EQ(parsed->value("PID", 3, 4), "GENHOS");
  EXPECT_EQ(parsed->value("PID", 5, 1), "EVERY^MAN");
  EXPECT_EQ(parsed->value("PID", 5, 2), "ADAM");
}

TEST(Er7WriterTest, NoFieldCanSplitTheSegment) {
  Er7Writer writer;
  writer.segment("MSH", {"^~\\&", "A|B"}).segment("NTE", {"1", "", "x\ry\nz|w"});
  EXPECT_EQ(writer.str(), "MSH|^~\\&|A\\F\\B\rNTE|1||x\\X0D\\y\\X0A\\z\\F\\w\r");
  auto parsed = Er7Message::parse(writer.str());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->segment_count(), 2u);
  EXPECT_EQ(parsed->value("MSH", 3), "A|B");
  EXPECT_EQ(parsed->value("NTE", 3), "x\ry\nz|w");
}

}  // namespace
}  // namespace wasl::hl7v2
