#include "hub/crypto/digest.hpp"

#include <gtest/gtest.h>

#include "hub/crypto/hex.hpp"

namespace wasl::crypto {
namespace {

// FIPS 180-2, appendix B.1 ("abc").
TEST(Sha256, KnownAnswerAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256("abc").size(), kSha256Size);
  EXPECT_NE(sha256_hex("abd"), sha256_hex("abc"));
}

}  // namespace
}  // namespace wasl::crypto
