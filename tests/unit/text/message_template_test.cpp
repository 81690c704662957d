// MessageTemplate: {{name}} placeholders parsed, listed and rendered; a
// malformed placeholder refused; other braces and Arabic text kept as
// written.
#include "hub/text/message_template.hpp"

#include <gtest/gtest.h>

namespace wasl::text {
namespace {

TEST(MessageTemplate, ParsesRendersAndRefusesMalformedPlaceholders) {
  auto t = MessageTemplate::parse("Hi {{ name }}, {{name}} at {{time}}.");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->variables(), (std::vector<std::string>{"name", "time"}));
  EXPECT_EQ(*t->render({{"name", "A"}, {"time", "9"}}), "Hi A, A at 9.");
  EXPECT_EQ(t->render({{"name", "A"}}).error().code, sdk::ErrorCode::kInvalidArgument);
  for (const char* bad : {"{{", "a {{name", "{{}}", "{{Name}}", "{{na-me}}", "}}", "a }} b"}) {
    auto parsed = MessageTemplate::parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
  // A fault is named by its offset, never by quoting the text.
  auto fault = MessageTemplate::parse("1098765432 {{");
  ASSERT_FALSE(fault.ok());
  EXPECT_EQ(fault.error().message.find("1098765432"), std::string::npos) << fault.error().message;
  EXPECT_NE(fault.error().message.find("byte 11"), std::string::npos) << fault.error().message;
  auto plain = MessageTemplate::parse("لا متغيرات { هنا }");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain->render({}), "لا متغيرات { هنا }");
}

}  // namespace
}  // namespace wasl::text
