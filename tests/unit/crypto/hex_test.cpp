#include "hub/crypto/hex.hpp"

#include <gtest/gtest.h>

namespace wasl::crypto {
namespace {

TEST(Hex, EncodesLowercaseAndDecodesEitherCase) {
  EXPECT_EQ(to_hex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  auto back = from_hex("0001ABff");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(to_hex(""), "");
}

TEST(Hex, RefusesOddLengthAndNonHex) {
  EXPECT_EQ(from_hex("abc").error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(from_hex("zz").error().code, sdk::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace wasl::crypto
