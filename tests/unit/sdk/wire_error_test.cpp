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

TEST(WireErrorTest, DeferralRoundTripsAndNeedsARetryAfter) {
  Error e(ErrorCode::kFailedPrecondition, "too early", true, std::chrono::milliseconds(4000));
  EXPECT_FALSE(error_to_json(e).contains("deferred"));
  e.deferred = true;
  nlohmann::json wire = error_to_json(e);
  EXPECT_EQ(wire["deferred"], true);
  Error back = error_from_json(wire);
  EXPECT_TRUE(back.deferred);
  EXPECT_EQ(back.retry_after, std::chrono::milliseconds(4000));
  // A deferral without a time to come back is an ordinary error.
  wire.erase("retry_after_ms");
  EXPECT_FALSE(error_from_json(wire).deferred);
  EXPECT_FALSE(
      error_from_json({{"code", "unavailable"}, {"deferred", "yes"}, {"retry_after_ms", 10}})
          .deferred);
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
