#include "hub/crypto/cell_aead.hpp"

#include <gtest/gtest.h>

#include "tests/unit/crypto/scratch_dir.hpp"

namespace wasl::crypto {
namespace {

using testing::ScratchDir;

class CellAeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "keys.json";
    ASSERT_TRUE(generate_key_file(path_).ok());
    ring_ = load_keyring(path_).value();
  }
  ScratchDir dir_;
  std::filesystem::path path_;
  std::shared_ptr<const Keyring> ring_;
};

const CellLocation kName{"patients", "name", "42"};

TEST_F(CellAeadTest, RoundTripsArabicTextAndEmpty) {
  CellAead cipher(ring_);
  const std::string name = "محمد بن عبدالله";
  auto ct = cipher.encrypt(kName, name);
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(ct->size(), CellAead::ciphertext_size(name.size(), ring_->active_key_id().size()));
  EXPECT_EQ(ct->find(name), std::string::npos);
  auto pt = cipher.decrypt(kName, *ct);
  ASSERT_TRUE(pt.ok()) << pt.error().message;
  EXPECT_EQ(*pt, name);

  auto empty = cipher.encrypt(kName, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(cipher.decrypt(kName, *empty).value(), "");
}

TEST_F(CellAeadTest, FreshNonceEveryTime) {
  CellAead cipher(ring_);
  EXPECT_NE(cipher.encrypt(kName, "same").value(), cipher.encrypt(kName, "same").value());
}

TEST_F(CellAeadTest, CiphertextMovedToAnotherRowColumnOrTableIsRefused) {
  CellAead cipher(ring_);
  auto ct = cipher.encrypt(kName, "secret").value();
  const CellLocation elsewhere[] = {
      {"patients", "name", "43"},
      {"patients", "national_id", "42"},
      {"consultations", "name", "42"},
      // Boundary shifts must not collide: ("patients","name4","2") etc.
      {"patients", "name4", "2"},
      {"patientsn", "ame", "42"},
  };
  for (const auto& where : elsewhere) {
    auto r = cipher.decrypt(where, ct);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("failed authentication"), std::string::npos);
    EXPECT_EQ(r.error().message.find("secret"), std::string::npos);
  }
}

TEST_F(CellAeadTest, AnyFlippedBitIsRefused) {
  CellAead cipher(ring_);
  auto ct = cipher.encrypt(kName, "abc").value();
  for (std::size_t i = 0; i < ct.size(); ++i) {
    std::string bad = ct;
    bad[i] ^= 0x01;
    EXPECT_FALSE(cipher.decrypt(kName, bad).ok()) << "byte " << i;
  }
  EXPECT_FALSE(cipher.decrypt(kName, ct.substr(0, ct.size() - 1)).ok());
  EXPECT_FALSE(cipher.decrypt(kName, "").ok());
}

TEST_F(CellAeadTest, UnknownKeyIdIsFailedPrecondition) {
  CellAead cipher(ring_);
  auto ct = cipher.encrypt(kName, "abc").value();
  ScratchDir other_dir;
  ASSERT_TRUE(generate_key_file(other_dir / "k.json").ok());
  // Same id pattern (k1-<today>) but different material: authentication fails.
  CellAead other(load_keyring(other_dir / "k.json").value());
  EXPECT_EQ(other.decrypt(kName, ct).error().code, sdk::ErrorCode::kInvalidArgument);
  // An id the keyring has never heard of.
  std::string renamed = ct;
  renamed[2] = 'z';
  auto r = cipher.decrypt(kName, renamed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("not in the key ring"), std::string::npos);
}

TEST_F(CellAeadTest, RotationOldStillDecryptsNewEncryptsUnderNewKey) {
  CellAead before(ring_);
  auto old_ct = before.encrypt(kName, "old value").value();
  EXPECT_EQ(CellAead::key_id_of(old_ct).value(), ring_->active_key_id());

  auto new_id = add_and_activate_key(path_);
  ASSERT_TRUE(new_id.ok());
  CellAead after(load_keyring(path_).value());
  EXPECT_EQ(after.decrypt(kName, old_ct).value(), "old value");
  auto new_ct = after.encrypt(kName, "new value").value();
  EXPECT_EQ(CellAead::key_id_of(new_ct).value(), *new_id);
  EXPECT_EQ(after.decrypt(kName, new_ct).value(), "new value");
  // The old keyring does not know the new key.
  EXPECT_EQ(before.decrypt(kName, new_ct).error().code, sdk::ErrorCode::kFailedPrecondition);

  // Once retired, the old key decrypts nothing.
  ASSERT_TRUE(retire_key(path_, ring_->active_key_id()).ok());
  CellAead retired(load_keyring(path_).value());
  EXPECT_EQ(retired.decrypt(kName, old_ct).error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(retired.decrypt(kName, new_ct).value(), "new value");
}

TEST_F(CellAeadTest, MalformedHeaders) {
  CellAead cipher(ring_);
  auto ct = cipher.encrypt(kName, "abc").value();
  std::string v2 = ct;
  v2[0] = 2;
  auto r = cipher.decrypt(kName, v2);
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("version"), std::string::npos);
  EXPECT_FALSE(CellAead::key_id_of("\x01").ok());
}

}  // namespace
}  // namespace wasl::crypto
