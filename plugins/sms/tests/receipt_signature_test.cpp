#include "plugins/sms/receipt_signature.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <string>

namespace wasl::plugins::sms {
namespace {

using namespace std::chrono_literals;

constexpr char kReceiptSecret[] = "sms-test-receipt-secret";
constexpr std::int64_t kT = 1767225600;  // 2026-01-01T00:00:00Z
const std::string kBody =
    R"({"messageId":"m-1","status":"DELIVERED","statusAt":"2026-01-01T00:00:00Z"})";

std::chrono::system_clock::time_point at(std::int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

sdk::Status check(const std::string& header, const std::string& body = kBody,
                  std::int64_t now = kT) {
  return verify_receipt_signature(kReceiptSecret, header, body, at(now), 300s);
}

TEST(ReceiptSignatureTest, TheMacIsHmacSha256OfTheTimeAndTheBody) {
  // The data is "<t>.<body>"; the expected value is OpenSSL's command line:
  //   printf '0.what do ya want for nothing?' | openssl dgst -sha256 -hmac Jefe
  EXPECT_EQ(receipt_mac_hex("Jefe", 0, "what do ya want for nothing?"),
            "37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc");
  EXPECT_EQ(receipt_signature(kReceiptSecret, kT, kBody),
            "t=" + std::to_string(kT) + ",v1=" + receipt_mac_hex(kReceiptSecret, kT, kBody));
}

TEST(ReceiptSignatureTest, ASignedReceiptVerifiesWithinTheTolerance) {
  const std::string header = receipt_signature(kReceiptSecret, kT, kBody);
  EXPECT_TRUE(check(header).ok());
  EXPECT_TRUE(check(header, kBody, kT + 300).ok()) << "at the edge, late";
  EXPECT_TRUE(check(header, kBody, kT - 300).ok()) << "at the edge, early";
  std::string upper = header;
  for (std::size_t i = upper.find("v1=") + 3; i < upper.size(); ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  }
  EXPECT_TRUE(check(upper).ok()) << "hex in upper case";
  EXPECT_TRUE(check(" v0=ignored , " + header + " , v2=also").ok()) << "other entries ignored";
  const std::string rotated = "t=" + std::to_string(kT) +
                              ",v1=" + receipt_mac_hex("the-old-receipt-secret", kT, kBody) +
                              ",v1=" + receipt_mac_hex(kReceiptSecret, kT, kBody);
  EXPECT_TRUE(check(rotated).ok()) << "any v1 entry may match (a secret being rotated)";
}

TEST(ReceiptSignatureTest, StaleOrFutureReceiptsAreRefused) {
  const std::string header = receipt_signature(kReceiptSecret, kT, kBody);
  auto stale = check(header, kBody, kT + 301);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, sdk::ErrorCode::kUnauthenticated);
  EXPECT_NE(stale.error().message.find("301 s ago"), std::string::npos) << stale.error().message;
  auto future = check(header, kBody, kT - 301);
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.error().message.find("ahead"), std::string::npos) << future.error().message;
}

TEST(ReceiptSignatureTest, ForgedReceiptsAreRefusedWithoutNamingTheSecret) {
  const std::string good = receipt_signature(kReceiptSecret, kT, kBody);
  std::string failed_body = kBody;
  failed_body.replace(failed_body.find("DELIVERED"), 9, "FAILED");
  const std::string expected = receipt_mac_hex(kReceiptSecret, kT, kBody);
  const struct {
    std::string header;
    std::string body;
    const char* why;
  } cases[] = {
      {good, failed_body, "the body changed"},
      {"t=" + std::to_string(kT + 1) + ",v1=" + expected, kBody, "the time changed"},
      {receipt_signature("another-receipt-secret", kT, kBody), kBody, "another secret"},
      {"", kBody, "no header"},
      {"v1=" + expected, kBody, "no t"},
      {"t=" + std::to_string(kT), kBody, "no v1"},
      {"t=" + std::to_string(kT) + ",t=" + std::to_string(kT) + ",v1=" + expected, kBody, "two t"},
      {"t=-5,v1=" + expected, kBody, "t not a number"},
      {"t=" + std::to_string(kT) + ",v1=" + expected.substr(0, 63), kBody, "a short MAC"},
      {"t=" + std::to_string(kT) + ",v1=" + expected + "00", kBody, "a long MAC"},
  };
  for (const auto& c : cases) {
    auto refused = check(c.header, c.body);
    ASSERT_FALSE(refused.ok()) << c.why;
    EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnauthenticated) << c.why;
    EXPECT_FALSE(refused.error().retryable) << c.why;
    EXPECT_EQ(refused.error().message.find(kReceiptSecret), std::string::npos) << c.why;
    EXPECT_EQ(refused.error().message.find(expected), std::string::npos) << c.why;
  }
  EXPECT_FALSE(verify_receipt_signature("", good, kBody, at(kT), 300s).ok())
      << "no secret configured: nothing verifies";
}

}  // namespace
}  // namespace wasl::plugins::sms
