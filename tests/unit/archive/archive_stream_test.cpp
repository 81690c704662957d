#include "hub/archive/archive_stream.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "hub/crypto/digest.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/object_store/local_object_store.hpp"
#include "tests/unit/crypto/scratch_dir.hpp"

namespace wasl::archive::testing {
namespace {

class ArchiveStreamTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto key_file = scratch_.path() / "keys.json";
    ASSERT_TRUE(crypto::generate_key_file(key_file).ok());
    auto keyring = crypto::load_keyring(key_file);
    ASSERT_TRUE(keyring.ok()) << keyring.error().message;
    keyring_ = *keyring;
  }

  static std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);  // seeded, not the SDK's generator: the same bytes every run
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(gen());
    return out;
  }

  std::string decrypt_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string ciphertext((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string plain;
    auto decryptor = crypto::StreamDecryptor::create(keyring_, [&plain](std::string_view piece) {
      plain.append(piece);
      return sdk::Status();
    });
    EXPECT_TRUE(decryptor.ok());
    EXPECT_TRUE(decryptor->write(ciphertext).ok());
    auto finished = decryptor->finish();
    EXPECT_TRUE(finished.ok()) << (finished.ok() ? "" : finished.error().message);
    return plain;
  }

  ArchiveStreamOptions options() const {
    ArchiveStreamOptions o;
    o.block_size = 64 * 1024;  // small blocks: many hand-overs between the stages
    o.blocks = 3;
    o.write_size = 256 * 1024;
    return o;
  }

  // A stream into `key` of a local store rooted in the scratch directory,
  // writing direct or not as the parameter says.
  sdk::Result<std::unique_ptr<ArchiveStream>> open(const std::string& key) {
    WASL_ASSIGN_OR_RETURN(auto object, objects_.create(key));
    return ArchiveStream::open(*keyring_, std::move(object), options());
  }

  crypto::testing::ScratchDir scratch_;
  object_store::LocalObjectStore objects_{scratch_.path(),
                                          object_store::LocalObjectStoreOptions{GetParam()}};
  std::shared_ptr<const crypto::Keyring> keyring_;
};

TEST_P(ArchiveStreamTest, ChunksOfAnySizeBecomeTheFileAndTheDigestOfThePlaintext) {
  const std::string plain = random_bytes(3 * 1024 * 1024 + 12345, 7);
  const auto target = scratch_.path() / "fac" / "rec.k1.wse";
  auto stream = open("fac/rec.k1.wse");
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  std::mt19937 gen(3);  // seeded: the same chunk sizes every run
  std::size_t at = 0;
  while (at < plain.size()) {
    std::size_t n = std::min<std::size_t>(plain.size() - at, 1 + gen() % 200000);
    ASSERT_TRUE((*stream)->write(std::string_view(plain).substr(at, n)).ok());
    at += n;
  }
  auto done = (*stream)->finish();
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->plaintext_bytes, plain.size());
  EXPECT_EQ(done->sha256_hex, crypto::sha256_hex(plain));
  EXPECT_EQ(done->key_id, keyring_->active_key_id());
  EXPECT_EQ(done->object.key, "fac/rec.k1.wse");
  EXPECT_EQ(done->object.size, done->file_bytes);
  ASSERT_TRUE(std::filesystem::exists(target));
  EXPECT_EQ(std::filesystem::file_size(target), done->file_bytes);
  EXPECT_EQ(done->file_bytes,
            crypto::stream_ciphertext_size(plain.size(), keyring_->active_key_id().size()));
  EXPECT_EQ(decrypt_file(target), plain);
  // Nothing but the target is left in its directory.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(target.parent_path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_P(ArchiveStreamTest, AnEmptyStreamIsAValidFile) {
  const auto target = scratch_.path() / "empty.wse";
  auto stream = open("empty.wse");
  ASSERT_TRUE(stream.ok());
  auto done = (*stream)->finish();
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->sha256_hex, crypto::sha256_hex(""));
  EXPECT_EQ(decrypt_file(target), "");
}

TEST_P(ArchiveStreamTest, AnAbandonedStreamLeavesNoFile) {
  const auto dir = scratch_.path() / "abandoned";
  {
    auto stream = open("abandoned/rec.wse");
    ASSERT_TRUE(stream.ok());
    ASSERT_TRUE((*stream)->write(random_bytes(500000, 1)).ok());
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            0);
}

TEST_P(ArchiveStreamTest, WritesAfterFinishAreRefused) {
  auto stream = open("x.wse");
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE((*stream)->finish().ok());
  EXPECT_EQ((*stream)->write("late").error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ((*stream)->finish().error().code, sdk::ErrorCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(DirectIo, ArchiveStreamTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "direct" : "buffered"; });

}  // namespace
}  // namespace wasl::archive::testing
