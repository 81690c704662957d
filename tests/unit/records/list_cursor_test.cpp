#include "hub/records/list_cursor.hpp"

#include <gtest/gtest.h>

namespace wasl::records {
namespace {

TEST(ListCursorTest, RoundTripsAndIsUrlSafe) {
  ListCursor c{1'700'000'000'123, "2f1c9a7e-0000-4000-8000-00000000abcd"};
  std::string text = encode_cursor(c);
  EXPECT_EQ(
      text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  auto back = decode_cursor(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->created_at, c.created_at);
  EXPECT_EQ(back->id, c.id);
}

// Cursors clients hold from earlier pages keep working: the text is the
// same bytes as ever.
TEST(ListCursorTest, TheTextIsUnchanged) {
  EXPECT_EQ(encode_cursor({1'700'000'000'123, "2f1c9a7e-0000-4000-8000-00000000abcd"}),
            "djE6MTcwMDAwMDAwMDEyMzoyZjFjOWE3ZS0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMGFiY2Q");
  EXPECT_EQ(encode_cursor({0, "a"}), "djE6MDph");
  auto back = decode_cursor("djE6LTU6YWI");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->created_at, -5);
  EXPECT_EQ(back->id, "ab");
}

TEST(ListCursorTest, RefusesWhatItDidNotIssue) {
  for (const char* bad : {"", "!!!", "djE6", "djI6MTox", "djE6eDp5", "djE6MTo"}) {
    auto r = decode_cursor(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace wasl::records
