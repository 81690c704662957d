#include "hub/crypto/incremental_sha256.hpp"

#include <gtest/gtest.h>

#include <string>

#include "hub/crypto/digest.hpp"

namespace wasl::crypto {
namespace {

TEST(IncrementalSha256Test, PiecesHashLikeTheWhole) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 31 % 251);
  auto digest = IncrementalSha256::create();
  ASSERT_TRUE(digest.ok());
  for (std::size_t at = 0; at < data.size(); at += 4097) {
    ASSERT_TRUE(digest->update(std::string_view(data).substr(at, 4097)).ok());
  }
  auto hex = digest->finish_hex();
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(*hex, sha256_hex(data));
}

TEST(IncrementalSha256Test, EmptyStreamIsTheKnownDigest) {
  auto digest = IncrementalSha256::create();
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest->finish_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(IncrementalSha256Test, NothingAfterFinish) {
  auto digest = IncrementalSha256::create();
  ASSERT_TRUE(digest.ok());
  ASSERT_TRUE(digest->finish_hex().ok());
  EXPECT_EQ(digest->update("x").error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(digest->finish_hex().error().code, sdk::ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace wasl::crypto
