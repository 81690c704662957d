// Point 3: a clinician is admitted at once because of the key, never because
// the request says so. A hospital key of the same facility that names the
// consultation's practitioner adds a doctor who waits, with no join token;
// the clinician key bound to that practitioner adds one admitted at once.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/peers/fhir/fhir_peer.hpp"
#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;

TEST(ClinicianAdmission, NamingThePractitionerIsNoPass) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string id = s.book(SecurityHub::kA, "sec-03-a");
  ASSERT_FALSE(id.empty());
  HubApiClient hospital = s.client(SecurityHub::kA, "hospital");
  ASSERT_EQ(s.hub().wait_for_status(hospital, id, {"waiting_room"}, 60s), "waiting_room")
      << s.hub().timeline(s.client(SecurityHub::kA, "admin"), id);
  const std::string participants = "/v1/consultations/" + id + "/participants";

  // The hospital key can read the practitioner's reference and names it.
  ApiAnswer claimed = hospital.post(participants,
                                    {{"role", "doctor"},
                                     {"display_name", "Not Dr Khalid"},
                                     {"practitioner", FhirPeer::kDemoPractitioner}},
                                    "sec-03-claimed");
  ASSERT_EQ(claimed.status, 201) << claimed.body;
  EXPECT_EQ(claimed.json.value("state", std::string()), "waiting") << claimed.body;
  EXPECT_FALSE(claimed.json.contains("join")) << claimed.body;

  // The practitioner's own clinician key.
  ApiAnswer own =
      s.client(SecurityHub::kA, "clinician")
          .post(participants, {{"role", "doctor"}, {"display_name", "Dr Khalid"}}, "sec-03-own");
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(own.json.value("state", std::string()), "admitted") << own.body;
  EXPECT_TRUE(own.json.contains("join")) << own.body;
}

}  // namespace
}  // namespace wasl::testing
