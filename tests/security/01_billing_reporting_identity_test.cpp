// Point 1, billing and reporting: a workflow step acts only as its run's
// facility. Facility B's own workflow, on the billing and reporting
// instances B shares with A, tries to file a ministry report in A's name and
// to cancel a claim that is not B's; both steps fail for good without
// reaching the plugin, and each refusal is audited as access.denied in B's
// trail.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using std::chrono::seconds;

// The refusals `facility`'s trail holds for `method`.
int denials_of(SecurityHub& s, const std::string& facility, const std::string& method) {
  int n = 0;
  for (const auto& event : s.audit(facility, "access.denied")) {
    if (event.dump().find(method) != std::string::npos) ++n;
  }
  return n;
}

void expect_refused(SecurityHub& s, const std::string& name, const std::string& yaml,
                    const std::string& method) {
  const int before = denials_of(s, SecurityHub::kB, method);
  ApiAnswer deployed = s.deploy(SecurityHub::kB, name, yaml);
  ASSERT_TRUE(deployed.status == 200 || deployed.status == 201) << deployed.body;
  const std::string id = s.start(SecurityHub::kB, name);
  ASSERT_FALSE(id.empty());
  nlohmann::json run = s.wait_for_run_end(SecurityHub::kB, id, seconds(60));
  EXPECT_EQ(run.value("status", std::string()), "failed") << run.dump();
  EXPECT_NE(run.dump().find("refused for facility hospital-b"), std::string::npos) << run.dump();
  EXPECT_EQ(denials_of(s, SecurityHub::kB, method), before + 1);
}

TEST(BillingReportingIdentity, BsWorkflowCannotReportInAsName) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  expect_refused(s, "sec-01-report-as-a", R"(
name: sec-01-report-as-a
version: 1
trigger: {kind: api}
steps:
  - id: report
    call: reporting.submit_report
    with:
      kind: aggregate
      facility_id: hospital-a
      body:
        report_id: sec-01-forged
        facility: {id: hospital-a, name: Hospital A, licence: "10000000000001", time_zone: Asia/Riyadh}
)",
                 "reporting.submit_report");
}

TEST(BillingReportingIdentity, BsWorkflowCannotCancelAClaimThatIsNotBs) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  expect_refused(s, "sec-01-cancel", R"(
name: sec-01-cancel
version: 1
trigger: {kind: api}
steps:
  - id: cancel
    call: billing.cancel
    with: {request_id: sec-01-not-bs-claim, reason: WI}
)",
                 "billing.cancel");
}

}  // namespace
}  // namespace wasl::testing
