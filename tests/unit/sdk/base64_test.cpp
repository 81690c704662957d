#include "wasl/sdk/base64.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain));
  }
}

TEST(Base64Test, RoundTripsBinary) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
}

TEST(Base64Test, RejectsMalformedText) {
  EXPECT_FALSE(base64_decode("Zm9").has_value());
  EXPECT_FALSE(base64_decode("Zm9*").has_value());
  EXPECT_FALSE(base64_decode("Z=9v").has_value());
}

TEST(Base64UrlTest, UnpaddedUrlAlphabet) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::optional<std::string>("\xfb\xff"));
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
}

TEST(Base64UrlTest, RefusesAllButTheCanonicalForm) {
  EXPECT_FALSE(base64url_decode("Zg==").has_value());  // padding
  EXPECT_FALSE(base64url_decode("Z").has_value());     // 4n+1 characters
  EXPECT_FALSE(base64url_decode("Zh").has_value());    // unused bits set
  EXPECT_FALSE(base64url_decode("+/8").has_value());   // the standard alphabet
}

}  // namespace
}  // namespace wasl::sdk
