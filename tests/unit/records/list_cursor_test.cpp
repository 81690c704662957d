#include "hub/records/list_cursor.hpp"

#include <gtest/gtest.h>

namespace wasl::records {
namespace {

TEST(ListCursorTest, RoundTripsAndIsUrlSafe) {
  ListCursor c{1'700'000'000'123, "2f1c9a7e-0000-4000-8000-00000000abcd"};
  std::string text = encode_cursor(c);
  EXPECT_EQ(text.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  auto back = decode_cursor(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->created_at, c.created_at);
  EXPECT_EQ(back->id, c.id);
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
