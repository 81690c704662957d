#include "plugins/twilio/room_unique_name.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::twilio {
namespace {

TEST(RoomUniqueNameTest, StableShortAndUrlSafe) {
  auto a = room_unique_name("run-42/create_room");
  auto b = room_unique_name("run-42/create_room");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  // SHA-256("run-42/create_room"), first 20 bytes.
  EXPECT_EQ(*a, "wasl-3900952660e1e63f717d6c12f03fdb62ab79b5a4");
  EXPECT_EQ(a->size(), 45u);
  EXPECT_EQ(a->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos);
}

TEST(RoomUniqueNameTest, DifferentKeysDifferentNamesAndLongKeysFit) {
  EXPECT_NE(*room_unique_name("run-1/create_room"), *room_unique_name("run-2/create_room"));
  std::string long_key(5000, 'k');
  auto name = room_unique_name(long_key);
  ASSERT_TRUE(name.ok());
  EXPECT_LE(name->size(), 128u);
}

TEST(RoomUniqueNameTest, EmptyKeyIsRefused) {
  auto name = room_unique_name("");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().code, sdk::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace wasl::plugins::twilio
