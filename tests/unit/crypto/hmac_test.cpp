// HMAC-SHA-256 against RFC 4231, section 4 (the primitive of the blind index
// and of audit checkpoints).
#include "hub/crypto/hmac.hpp"

#include <gtest/gtest.h>

#include "hub/crypto/hex.hpp"

namespace wasl::crypto {
namespace {

std::string hex_bytes(std::string_view h) { return from_hex(h).value(); }

struct Rfc4231Case {
  const char* name;
  std::string key;
  std::string data;
  const char* expected_hex;  // full 32 bytes, or the truncated 16 of case 5
};

TEST(HmacSha256, Rfc4231Vectors) {
  const std::string long_key(131, '\xaa');
  const Rfc4231Case cases[] = {
      {"4.2 test case 1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"4.3 test case 2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"4.4 test case 3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4.5 test case 4", hex_bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"),
       std::string(50, '\xcd'), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"4.6 test case 5 (truncated to 128 bits)", std::string(20, '\x0c'), "Test With Truncation",
       "a3b6167473100ee06e0c796c2955552b"},
      {"4.7 test case 6", long_key, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"4.8 test case 7", long_key,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto mac = hmac_sha256(c.key, c.data);
    ASSERT_TRUE(mac.ok());
    std::string expected = c.expected_hex;
    EXPECT_EQ(to_hex(*mac).substr(0, expected.size()), expected);
  }
}

TEST(HmacSha256, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace wasl::crypto
