#include "hub/webhooks/standard_webhook_signature.hpp"

#include <gtest/gtest.h>

#include "tests/unit/storage/status_matchers.hpp"

namespace wasl::webhooks {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// The example of the Standard Webhooks libraries' own tests
// (standard-webhooks/standard-webhooks, libraries/*/tests: "sign function").
constexpr const char* kSigningSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
constexpr const char* kSignedBody = R"({"test": 2432232314})";
constexpr const char* kExpected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

system_clock::time_point at(std::int64_t s) { return system_clock::time_point(seconds(s)); }

StandardWebhookSignature signer(const char* secret = kSigningSecret) {
  auto s = StandardWebhookSignature::from_secret(secret);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return std::move(s).value();
}

StandardWebhookHeaders headers(std::string signature, std::string timestamp = "1614265330",
                               std::string id = kId) {
  return {std::move(id), std::move(timestamp), std::move(signature)};
}

TEST(StandardWebhookSignature, SignsThePublishedExample) {
  ASSERT_OK_AND_ASSIGN(std::string sig, signer().sign(kId, kTimestamp, kSignedBody));
  EXPECT_EQ(sig, kExpected);
}

TEST(StandardWebhookSignature, AcceptsTheSecretWithoutItsPrefix) {
  ASSERT_OK_AND_ASSIGN(
      std::string sig,
      signer("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").sign(kId, kTimestamp, kSignedBody));
  EXPECT_EQ(sig, kExpected);
}

TEST(StandardWebhookSignature, VerifiesThePublishedExample) {
  EXPECT_OK(signer().verify(headers(kExpected), kSignedBody, at(kTimestamp)));
}

TEST(StandardWebhookSignature, AnyOfSeveralEntriesMayMatch) {
  std::string many = std::string("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ") +
                     "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + kExpected +
                     " v1,notbase64!!";
  EXPECT_OK(signer().verify(headers(many), kSignedBody, at(kTimestamp)));
}

TEST(StandardWebhookSignature, RefusesAForgedSignature) {
  // The published "invalid signature" case: the last byte differs.
  auto s = signer().verify(headers("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="), kSignedBody,
                           at(kTimestamp));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, sdk::ErrorCode::kUnauthenticated);
  EXPECT_EQ(s.error().message, "no webhook-signature entry matches the message");
}

TEST(StandardWebhookSignature, RefusesAnAlteredBodyOrId) {
  EXPECT_FALSE(signer().verify(headers(kExpected), R"({"test": 2432232315})", at(kTimestamp)).ok());
  EXPECT_FALSE(
      signer()
          .verify(headers(kExpected, "1614265330", "msg_other"), kSignedBody, at(kTimestamp))
          .ok());
}

TEST(StandardWebhookSignature, RefusesAnotherKeysSignature) {
  auto other = signer("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_FALSE(other.verify(headers(kExpected), kSignedBody, at(kTimestamp)).ok());
}

TEST(StandardWebhookSignature, OnlyV1EntriesCount) {
  std::string v2 = std::string("v2,") + (kExpected + 3);
  EXPECT_FALSE(signer().verify(headers(v2), kSignedBody, at(kTimestamp)).ok());
}

TEST(StandardWebhookSignature, TimestampToleranceIsFiveMinutesEitherWay) {
  auto sig = signer();
  EXPECT_OK(sig.verify(headers(kExpected), kSignedBody, at(kTimestamp + 300)));
  EXPECT_OK(sig.verify(headers(kExpected), kSignedBody, at(kTimestamp - 300)));
  auto old = sig.verify(headers(kExpected), kSignedBody, at(kTimestamp + 301));
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("too old"), std::string::npos);
  auto future = sig.verify(headers(kExpected), kSignedBody, at(kTimestamp - 301));
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.error().message.find("in the future"), std::string::npos);
}

TEST(StandardWebhookSignature, RefusesMissingOrMalformedHeaders) {
  auto sig = signer();
  EXPECT_FALSE(sig.verify(headers(kExpected, "1614265330", ""), kSignedBody, at(kTimestamp)).ok());
  EXPECT_FALSE(sig.verify(headers(kExpected, ""), kSignedBody, at(kTimestamp)).ok());
  EXPECT_FALSE(sig.verify(headers(""), kSignedBody, at(kTimestamp)).ok());
  auto hello = sig.verify(headers(kExpected, "hello"), kSignedBody, at(kTimestamp));
  ASSERT_FALSE(hello.ok());
  EXPECT_EQ(hello.error().message,
            "the webhook-timestamp header is not an integer number of seconds");
  EXPECT_FALSE(
      sig.verify(headers(kExpected, "99999999999999999999999"), kSignedBody, at(kTimestamp)).ok());
}

TEST(StandardWebhookSignature, RefusesShortOrMalformedSecretsWithoutRepeatingThem) {
  for (std::string bad : {"whsec_", "whsec_c2hvcnQ=", "whsec_not base64!", "hunter2-hunter2"}) {
    auto s = StandardWebhookSignature::from_secret(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, sdk::ErrorCode::kInvalidArgument);
    std::string_view secret_part = std::string_view(bad).substr(bad.rfind('_') + 1);
    if (!secret_part.empty()) {
      EXPECT_EQ(s.error().message.find(secret_part), std::string::npos) << bad;
    }
  }
}

}  // namespace
}  // namespace wasl::webhooks
