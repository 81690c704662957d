#include "plugins/nphies/message_ids.hpp"

#include <gtest/gtest.h>

#include <regex>

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
  EXPECT_EQ(a.business_id, "req_" + a.message_header_id);
  EXPECT_EQ(message_header_id_of(a.business_id), a.message_header_id);
  EXPECT_EQ(message_header_id_of("req_298702"), "");
}

}  // namespace
}  // namespace wasl::plugins::nphies
