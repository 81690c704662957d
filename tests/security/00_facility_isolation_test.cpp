// The suite's baseline: through the API, a facility reads only its own
// consultations. Facility B's keys of every role get 404 for facility A's
// consultation and its sub-resources, and B's listing does not name it.
#include <gtest/gtest.h>

#include <string>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

TEST(FacilityIsolation, AnotherFacilitysKeysGet404ForAConsultation) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string a_id = s.book(SecurityHub::kA, "sec-00-a");
  ASSERT_FALSE(a_id.empty());

  EXPECT_EQ(s.client(SecurityHub::kA, "hospital").get("/v1/consultations/" + a_id).status, 200);
  // B's answer for A's consultation is the answer for one that does not
  // exist: 404, or 403 where B's role may not use the route at all.
  const std::string missing = "00000000-0000-4000-8000-000000000000";
  for (const char* role : {"admin", "integrator", "hospital", "auditor"}) {
    HubApiClient b = s.client(SecurityHub::kB, role);
    for (const std::string suffix : {"", "/timeline", "/participants", "/recordings", "/claims"}) {
      ApiAnswer read = b.get("/v1/consultations/" + a_id + suffix);
      ApiAnswer none = b.get("/v1/consultations/" + missing + suffix);
      EXPECT_TRUE(read.status == 404 || read.status == 403)
          << role << " " << suffix << " -> " << read.status << " " << read.body;
      EXPECT_EQ(read.status, none.status) << role << " " << suffix;
      EXPECT_EQ(read.body.find(a_id), std::string::npos) << role << " " << suffix;
    }
  }
  ApiAnswer list = s.client(SecurityHub::kB, "hospital").get("/v1/consultations?limit=200");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(a_id), std::string::npos) << list.body;
}

}  // namespace
}  // namespace wasl::testing
