#include "plugins/sms/recipient_number.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wasl::plugins::sms {
namespace {

TEST(RecipientNumberTest, AnE164NumberBecomesItsDigits) {
  auto saudi = gateway_recipient("+966501234567");
  ASSERT_TRUE(saudi.ok()) << saudi.error().message;
  EXPECT_EQ(*saudi, "966501234567");
  EXPECT_EQ(gateway_recipient("+447911123456").value(), "447911123456");
  EXPECT_EQ(gateway_recipient("+6831234").value(), "6831234") << "7 digits: the shortest";
  EXPECT_EQ(gateway_recipient("+123456789012345").value(), "123456789012345") << "15: the longest";
}

TEST(RecipientNumberTest, AnythingElseIsRefusedWithoutRepeatingIt) {
  for (const std::string bad :
       {"", "+", "966501234567", "00966501234567", "0501234567", "+0966501234567",
        "+966 50 123 4567", "+966-501234567", "+96650123456a", "+123456", "+1234567890123456",
        "+966501234567\n", "tel:+966501234567", "patient@example.org"}) {
    auto refused = gateway_recipient(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument) << bad;
    EXPECT_FALSE(refused.error().retryable);
    if (bad.size() > 3) {
      EXPECT_EQ(refused.error().message.find(bad.substr(1, 6)), std::string::npos)
          << refused.error().message;
    }
  }
}

}  // namespace
}  // namespace wasl::plugins::sms
