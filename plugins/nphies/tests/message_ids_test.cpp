#include "plugins/nphies/message_ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace wasl::plugins::nphies {
namespace {

TEST(MessageIdsTest, DerivedStableDistinctAndUuidShaped) {
  MessageIds a = message_ids("wasl-0123");
  MessageIds again = message_ids("wasl-0123");
  MessageIds b = message_ids("wasl-0124");
  EXPECT_EQ(a.bundle_id, again.bundle_id);
  EXPECT_EQ(a.message_header_id, again.message_header_id);
  EXPECT_EQ(a.business_id, again.business_id);
  EXPECT_NE(a.bundle_id, a.message_header_id);
  EXPECT_NE(a.bundle_id, b.bundle_id);
  EXPECT_NE(a.resource_id("Patient"), a.resource_id("Claim"));
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(a.bundle_id, uuid)) << a.bundle_id;
  EXPECT_TRUE(std::regex_match(a.resource_id("Claim"), uuid));
  EXPECT_EQ(a.business_id, "req_wasl-0123");
  EXPECT_EQ(message_header_id_of(a.business_id), a.message_header_id);
  EXPECT_EQ(message_header_id_of("298702"), "");
}

TEST(MessageIdsTest, TheBusinessIdentifierLeadsBackToItsKey) {
  for (const std::string& key : std::vector<std::string>{
           "wasl-0123", "0b6f3f4e-1d2c-8a3b-9c4d-5e6f7a8b9c0d", "run 7/claim:step", "مطالبة",
           std::string("nul\0inside", 10), "100%", "req_req_"}) {
    const MessageIds ids = message_ids(key);
    EXPECT_TRUE(std::regex_match(ids.business_id, std::regex("^req_[A-Za-z0-9._%-]+$")))
        << ids.business_id;
    EXPECT_EQ(idempotency_key_of(ids.business_id), key) << ids.business_id;
    EXPECT_EQ(message_header_id_of(ids.business_id), ids.message_header_id);
  }
  EXPECT_EQ(message_ids("run 7/claim").business_id, "req_run%207%2Fclaim");
  // Only what message_ids() writes reads back: one key, one spelling.
  for (const char* other : {"", "req_", "REQ_a", "x_a", "req_a b", "req_%2", "req_%2f", "req_%41",
                            "req_%zz", "req_a%", "req_%FF", "req_%C3"}) {
    EXPECT_EQ(idempotency_key_of(other), "") << other;
    EXPECT_EQ(message_header_id_of(other), "") << other;
  }
}

}  // namespace
}  // namespace wasl::plugins::nphies
