// GET /v1/residency: where the caller's facility's data goes, by kind, with
// its exceptions and when each came in force; another facility's bindings
// and exceptions never show. On SQLite and PostgreSQL.
#include "hub/api/residency.hpp"

#include <gtest/gtest.h>

#include "hub/access/residency_exception_store.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using nlohmann::json;

class ResidencyTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    config::InstanceConfig chime;
    chime.name = "video.chime-main";
    chime.plugin = "chime";
    chime.settings = {{"region", "us-east-1"}};
    config_.instances[chime.name] = chime;
    config::InstanceConfig janus;
    janus.name = "video.janus-ksa";
    janus.plugin = "janus";
    janus.residency = "SA";
    config_.instances[janus.name] = janus;
    config::InstanceConfig fhir;
    fhir.name = "ehr.his";
    fhir.plugin = "fhir";
    config_.instances[fhir.name] = fhir;
    config_.archive.residency = "SA";

    config::FacilityConfig& a = config_.facilities[kFacilityA];
    a.residency = {"SA"};
    a.bindings = {{"video", "video.chime-main"}, {"ehr", "ehr.his"}};
    a.residency_exceptions = {{"video.chime-main", "DPO-2026-014", "2026-11-20", 30},
                              {"ehr.his", "DPO-2026-015", "2026-11-21", 34}};
    config::FacilityConfig& b = config_.facilities[kFacilityB];
    b.bindings = {{"video", "video.janus-ksa"}};

    // The hub started once with the first exception only.
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto first = access::ResidencyExceptionStore::record_start(
        **tx, *audit_, {kFacilityA, "video.chime-main", "DPO-2026-014", "2026-11-20", "US", 0},
        kNow);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE((*tx)->commit().ok());
  }

  static const json* kind(const json& body, const std::string& name) {
    for (const auto& entry : body["data"]) {
      if (entry["kind"] == name) return &entry;
    }
    return nullptr;
  }
};

TEST_P(ResidencyTest, ShowsWhereEachKindOfTheFacilitysDataGoes) {
  http::Response r = send({"GET", "/v1/residency"}, Role::kAdmin);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = body_of(r);
  EXPECT_EQ(body["facility"], kFacilityA);
  EXPECT_EQ(body["required"], json::array({"SA"}));

  const json* video = kind(body, "video");
  ASSERT_NE(video, nullptr) << r.body;
  EXPECT_EQ((*video)["instance"], "video.chime-main");
  EXPECT_EQ((*video)["plugin"], "chime");
  EXPECT_EQ((*video)["residency"], "US");
  EXPECT_EQ((*video)["basis"], "settings.region us-east-1");
  EXPECT_EQ((*video)["meets_requirement"], false);
  EXPECT_EQ((*video)["exception"]["reference"], "DPO-2026-014");
  EXPECT_EQ((*video)["exception"]["approved"], "2026-11-20");
  EXPECT_EQ((*video)["exception"]["in_force_since"], iso(kNow));

  // Not derivable and not declared: unknown; its exception not yet in force.
  const json* ehr = kind(body, "ehr");
  ASSERT_NE(ehr, nullptr);
  EXPECT_EQ((*ehr)["residency"], "unknown");
  EXPECT_EQ((*ehr)["meets_requirement"], false);
  EXPECT_EQ((*ehr)["exception"]["reference"], "DPO-2026-015");
  EXPECT_TRUE((*ehr)["exception"]["in_force_since"].is_null());

  const json* billing = kind(body, "billing");
  ASSERT_NE(billing, nullptr);
  EXPECT_TRUE((*billing)["instance"].is_null());
  EXPECT_EQ((*billing)["meets_requirement"], true);
  ASSERT_NE(kind(body, "reporting"), nullptr);
  const json* archive = kind(body, "archive");
  ASSERT_NE(archive, nullptr);
  EXPECT_EQ((*archive)["store"], "local");
  EXPECT_EQ((*archive)["residency"], "SA");
  EXPECT_EQ((*archive)["meets_requirement"], true);

  // Everything outside SA has its exception.
  EXPECT_EQ(body["compliant"], true);
  ASSERT_EQ(body["exceptions"].size(), 2u);
  EXPECT_EQ(body["exceptions"][0]["instance"], "video.chime-main");

  // Without the EHR's exception the facility is not compliant.
  config_.facilities[kFacilityA].residency_exceptions.pop_back();
  EXPECT_EQ(body_of(send({"GET", "/v1/residency"}, Role::kAuditor))["compliant"], false);
}

TEST_P(ResidencyTest, AnotherFacilitySeesOnlyItsOwn) {
  http::Response r = send({"GET", "/v1/residency"}, Role::kIntegrator, true);
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = body_of(r);
  EXPECT_EQ(body["facility"], kFacilityB);
  EXPECT_EQ(body["required"], json::array());
  EXPECT_EQ(body["exceptions"], json::array());
  EXPECT_EQ((*kind(body, "video"))["instance"], "video.janus-ksa");
  EXPECT_EQ((*kind(body, "video"))["residency"], "SA");
  for (const char* foreign : {"chime-main", "ehr.his", "DPO-2026", kFacilityA}) {
    EXPECT_EQ(r.body.find(foreign), std::string::npos) << foreign << " in " << r.body;
  }
}

TEST_P(ResidencyTest, RolesAndProblems) {
  EXPECT_EQ(send({"GET", "/v1/residency"}, Role::kAuditor).status, 200);
  for (Role role : {Role::kClinician, Role::kHospital}) {
    http::Response r = send({"GET", "/v1/residency"}, role);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.headers.count("Content-Type") ? r.headers.find("Content-Type")->second : "",
              "application/problem+json");
  }
  EXPECT_EQ(send({"GET", "/v1/residency"}, std::nullopt).status, 401);
  // A facility the configuration does not hold: nothing to say.
  config_.facilities.erase(kFacilityB);
  http::Response gone = send({"GET", "/v1/residency"}, Role::kAdmin, true);
  EXPECT_EQ(gone.status, 503);
  EXPECT_EQ(body_of(gone)["status"], 503);
}

INSTANTIATE_TEST_SUITE_P(Backends, ResidencyTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
