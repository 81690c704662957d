#include "hub/plugin_host/file_sha256.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace wasl::plugin_host {
namespace {

TEST(FileSha256Test, HashesTheFileBytes) {
  auto path = std::filesystem::temp_directory_path() / "wasl_file_sha256_test.txt";
  { std::ofstream(path, std::ios::binary) << "abc"; }
  auto digest = file_sha256(path);
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  // FIPS 180-2 test vector for "abc".
  EXPECT_EQ(*digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::filesystem::remove(path);
}

TEST(FileSha256Test, MissingFileIsNotFound) {
  auto digest = file_sha256("/nonexistent/wasl/file.so");
  ASSERT_FALSE(digest.ok());
  EXPECT_EQ(digest.error().code, sdk::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace wasl::plugin_host
