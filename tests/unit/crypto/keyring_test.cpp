#include "hub/crypto/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/unit/crypto/scratch_dir.hpp"

namespace wasl::crypto {
namespace {

using testing::ScratchDir;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(Keyring, GenerateCreatesMode0600FileThatLoads) {
  ScratchDir dir;
  auto path = dir / "keys.json";
  auto id = generate_key_file(path);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(id->rfind("k1-", 0), 0u);
  auto ring = load_keyring(path);
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ((*ring)->active_key_id(), *id);
  EXPECT_EQ((*ring)->active_key().size(), 32u);
  EXPECT_EQ((*ring)->blind_index_key().size(), 32u);
  EXPECT_EQ((*ring)->audit_key().size(), 32u);
  EXPECT_NE((*ring)->blind_index_key().view(), (*ring)->audit_key().view());
  EXPECT_NE((*ring)->active_key().view(), (*ring)->blind_index_key().view());
  ASSERT_EQ((*ring)->keys().size(), 1u);
  EXPECT_EQ((*ring)->keys()[0].state, KeyState::kActive);
}

TEST(Keyring, GenerateRefusesToOverwrite) {
  ScratchDir dir;
  auto path = dir / "keys.json";
  ASSERT_TRUE(generate_key_file(path).ok());
  std::string before = slurp(path);
  auto again = generate_key_file(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, sdk::ErrorCode::kAlreadyExists);
  EXPECT_EQ(slurp(path), before);
}

TEST(Keyring, WorldReadableFileIsRefusedWithChmodAdvice) {
  ScratchDir dir;
  auto path = dir / "keys.json";
  ASSERT_TRUE(generate_key_file(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto ring = load_keyring(path);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.error().code, sdk::ErrorCode::kPermissionDenied);
  EXPECT_NE(ring.error().message.find("chmod 600 " + path.string()), std::string::npos)
      << ring.error().message;
  EXPECT_NE(ring.error().message.find("0644"), std::string::npos);

  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_FALSE(load_keyring(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(load_keyring(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(load_keyring(path).ok());
}

TEST(Keyring, MissingFileIsNotFound) {
  ScratchDir dir;
  auto ring = load_keyring(dir / "absent.json");
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.error().code, sdk::ErrorCode::kNotFound);
}

TEST(Keyring, RotateAddsActiveKeyAndKeepsOldForDecryption) {
  ScratchDir dir;
  auto path = dir / "keys.json";
  auto first = generate_key_file(path);
  ASSERT_TRUE(first.ok());
  auto before = load_keyring(path).value();
  auto second = add_and_activate_key(path);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_NE(*second, *first);
  EXPECT_EQ(second->rfind("k2-", 0), 0u);
  EXPECT_EQ(mode_of(path), 0600u);

  auto after = load_keyring(path).value();
  EXPECT_EQ(after->active_key_id(), *second);
  auto keys = after->keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].id, *first);
  EXPECT_EQ(keys[0].state, KeyState::kDecryptOnly);
  EXPECT_EQ(keys[1].state, KeyState::kActive);
  auto old_key = after->decryption_key(*first);
  ASSERT_TRUE(old_key.ok());
  EXPECT_EQ((*old_key)->view(), before->active_key().view());
  EXPECT_NE(after->active_key().view(), before->active_key().view());
  // The separate HMAC keys are not touched by rotation.
  EXPECT_EQ(after->blind_index_key().view(), before->blind_index_key().view());
  EXPECT_EQ(after->audit_key().view(), before->audit_key().view());
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(Keyring, RetireRefusesActiveKeyAndErasesMaterial) {
  ScratchDir dir;
  auto path = dir / "keys.json";
  auto first = generate_key_file(path).value();
  auto second = add_and_activate_key(path).value();
  auto refused = retire_key(path, second);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(retire_key(path, "k9-nope").error().code, sdk::ErrorCode::kNotFound);

  ASSERT_TRUE(retire_key(path, first).ok());
  auto ring = load_keyring(path).value();
  auto gone = ring->decryption_key(first);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ring->keys()[0].state, KeyState::kRetired);
  auto doc = nlohmann::json::parse(slurp(path));
  EXPECT_FALSE(doc["data_keys"][0].contains("key"));
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(Keyring, RotateRefusesAWorldReadableFile) {
  ScratchDir dir;
  auto path = dir / "keys.json";
  ASSERT_TRUE(generate_key_file(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0604), 0);
  auto r = add_and_activate_key(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kPermissionDenied);
}

constexpr const char* kHexA = "1111111111111111111111111111111111111111111111111111111111111111";
constexpr const char* kHexB = "2222222222222222222222222222222222222222222222222222222222222222";
constexpr const char* kHexC = "3333333333333333333333333333333333333333333333333333333333333333";

nlohmann::json valid_doc() {
  return {{"format", "wasl-keyring"},
          {"version", 1},
          {"active_key_id", "k1"},
          {"data_keys",
           {{{"id", "k1"},
             {"created_at", "2026-01-01T00:00:00Z"},
             {"state", "active"},
             {"key", kHexA}}}},
          {"blind_index_key", kHexB},
          {"audit_key", kHexC}};
}

TEST(Keyring, FromJsonValidatesEveryField) {
  ASSERT_TRUE(Keyring::from_json(valid_doc().dump()).ok());
  auto expect_invalid = [](nlohmann::json doc, const char* why) {
    SCOPED_TRACE(why);
    auto r = Keyring::from_json(doc.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
    // No key material in any message.
    for (const char* k : {kHexA, kHexB, kHexC}) {
      EXPECT_EQ(r.error().message.find(k), std::string::npos);
    }
  };
  EXPECT_FALSE(Keyring::from_json("not json").ok());
  auto d = valid_doc();
  d["version"] = 2;
  expect_invalid(d, "version");
  d = valid_doc();
  d["data_keys"][0]["key"] = "abcd";
  expect_invalid(d, "short key");
  d = valid_doc();
  d["active_key_id"] = "k2";
  expect_invalid(d, "active id names no active key");
  d = valid_doc();
  d["audit_key"] = kHexB;
  expect_invalid(d, "same HMAC keys");
  d = valid_doc();
  d["data_keys"][0]["id"] = "bad id!";
  expect_invalid(d, "bad id");
  d = valid_doc();
  d["data_keys"][0]["state"] = "sleeping";
  expect_invalid(d, "bad state");
  d = valid_doc();
  d["data_keys"][0]["key"] = 5;
  expect_invalid(d, "key of wrong type");
  d = valid_doc();
  d["data_keys"].push_back(d["data_keys"][0]);
  expect_invalid(d, "duplicate id");
}

}  // namespace
}  // namespace wasl::crypto
