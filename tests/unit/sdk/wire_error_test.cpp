#include "wasl/sdk/wire_error.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

TEST(WireErrorTest, RoundTripsEveryField) {
  Error e(ErrorCode::kResourceExhausted, "rate limited", true, std::chrono::milliseconds(750));
  Error back = error_from_json(error_to_json(e));
  EXPECT_EQ(back.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(back.message, "rate limited");
  EXPECT_TRUE(back.retryable);
  EXPECT_EQ(back.retry_after, std::chrono::milliseconds(750));
}

TEST(WireErrorTest, MalformedAndUnknownFormsDegradeToInternal) {
  EXPECT_EQ(error_from_json(nlohmann::json("oops")).code, ErrorCode::kInternal);
  Error unknown = error_from_json({{"code", "exploded"}, {"message", "x"}});
  EXPECT_EQ(unknown.code, ErrorCode::kInternal);
  Error defaults = error_from_json({{"code", "unavailable"}});
  EXPECT_TRUE(defaults.retryable);  // retryable by default for its code
  EXPECT_EQ(defaults.message, "the plugin gave no error message");
}

}  // namespace
}  // namespace wasl::sdk
