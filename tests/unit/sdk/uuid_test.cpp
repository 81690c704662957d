#include "wasl/sdk/uuid.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace wasl::sdk {
namespace {

const std::regex kUuid(
    "^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

std::string version_of(const std::string& uuid) {
  std::smatch m;
  return std::regex_match(uuid, m, kUuid) ? m[1].str() : "not a UUID: " + uuid;
}

TEST(UuidTest, RandomUuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto id = random_uuid();
    ASSERT_TRUE(id.ok()) << id.error().message;
    EXPECT_EQ(version_of(*id), "4");
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(UuidTest, NameBasedUuidsAreStableVersion8) {
  // Values the plugins have stored and sent before (moh's report ids,
  // nphies's message ids): a derived id never changes for the same name.
  EXPECT_EQ(name_based_uuid("rpt-1/Bundle"), "b612b329-2528-8c36-b74e-49e7b174253f");
  EXPECT_EQ(name_based_uuid("bundle\nwasl-0123456789abcdef0123456789abcdef"),
            "fd8dc65a-b789-8904-8955-55385708f083");
  EXPECT_EQ(name_based_uuid("rpt-1/Bundle"), name_based_uuid("rpt-1/Bundle"));
  EXPECT_NE(name_based_uuid("rpt-1/Bundle"), name_based_uuid("rpt-1/Patient"));
  EXPECT_EQ(version_of(name_based_uuid("")), "8");
}

TEST(UuidTest, UuidTextSetsOnlyTheVersionAndVariantBits) {
  EXPECT_EQ(uuid_text(std::string(16, '\xff'), 8), "ffffffff-ffff-8fff-bfff-ffffffffffff");
  EXPECT_EQ(uuid_text(std::string(16, '\0'), 4), "00000000-0000-4000-8000-000000000000");
  // A step key's 32 hex digits in UUID form: the claim id the hub derives
  // from a workflow step (hub/claims/claim_actions.cpp, claim_id_for_step).
  const std::string bytes("\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
  EXPECT_EQ(uuid_text(bytes, 8), "01234567-89ab-8def-8123-456789abcdef");
}

TEST(RandomTest, BytesAndHex) {
  auto bytes = random_bytes(32);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 32u);
  auto a = random_hex(16);
  auto b = random_hex(16);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace wasl::sdk
