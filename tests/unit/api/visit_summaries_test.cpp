// The visit summary through the router, on SQLite and PostgreSQL: the role
// matrix (hospital and clinician of the facility; another facility 404),
// its facts, HTML and PDF, the patient's link until it expires (410 after),
// and every read audited.
#include "hub/api/visit_summaries.hpp"

#include <gtest/gtest.h>

#include "hub/summaries/summary_store.hpp"
#include "tests/unit/api/clinical_fixture.hpp"

namespace wasl::api::testing {
namespace {

const Caller kNoKey{};

class VisitSummariesTest : public ClinicalFixture {
 protected:
  void SetUp() override {
    ClinicalFixture::SetUp();
    if (HasFatalFailure()) return;
    summaries::StoredSummary s;
    s.id = "sum-1";
    s.facility_id = kFacilityA;
    s.consultation_id = consultation_;
    s.note_id = "n-1";
    s.language = "ar";
    s.html = "<!DOCTYPE html><html lang=\"ar\" dir=\"rtl\"><p>التهاب في الحلق</p></html>";
    s.pdf = "%PDF-1.5\nملخص\n%%EOF";
    s.link_expires_at = kNow + 3'600'000;
    s.created_at = kNow - 1000;
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(summaries::SummaryStore(*cipher_).insert(**tx, s).ok());
    auto working = summaries::SummaryStore::mint_link(
        **tx, {kFacilityA, consultation_, "sum-1", kNow + 3'600'000}, kNow - 1000);
    auto expired = summaries::SummaryStore::mint_link(
        **tx, {kFacilityA, consultation_, "sum-1", kNow}, kNow - 1000);
    ASSERT_TRUE(working.ok() && expired.ok());
    working_ = *working;
    expired_ = *expired;
    ASSERT_TRUE((*tx)->commit().ok());
    summary_ = s;
  }

  std::string path(const std::string& query = "") {
    return "/v1/consultations/" + consultation_ + "/summary" + query;
  }

  static std::string header(const http::Response& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  }

  summaries::StoredSummary summary_;
  std::string working_;
  std::string expired_;
};

TEST_P(VisitSummariesTest, TheFacilitysHospitalAndClinicians) {
  for (const Caller& as : {kClinicianCaller, kOtherClinicianCaller, kHospitalCaller}) {
    http::Response r = call("GET", path(), as);
    ASSERT_EQ(r.status, 200) << r.body;
    nlohmann::json j = body_of(r);
    EXPECT_EQ(j["id"], "sum-1");
    EXPECT_EQ(j["language"], "ar");
    EXPECT_EQ(j["content_type"], "application/pdf");
    EXPECT_EQ(j["size_bytes"], static_cast<std::int64_t>(summary_.pdf.size()));
    EXPECT_EQ(j["sha256_hex"].get<std::string>().size(), 64u);
  }
  for (const Caller& as : {kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    http::Response r = call("GET", path(), as);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_TRUE(is_problem(r));
  }
  for (const Caller& as : {kOtherFacilityClinician, kOtherFacilityHospital}) {
    http::Response r = call("GET", path("?format=pdf"), as);
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_TRUE(is_problem(r));
    EXPECT_EQ(r.body.find("%PDF"), std::string::npos);
  }
  EXPECT_EQ(call("GET", path(), kNoKey).status, 401);
  EXPECT_EQ(audit_count("visit_summary.read"), 3);
}

TEST_P(VisitSummariesTest, AsPdfAsHtmlOrNotYet) {
  http::Response pdf = call("GET", path("?format=pdf"), kClinicianCaller);
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.body, summary_.pdf);
  EXPECT_EQ(header(pdf, "Content-Type"), "application/pdf");
  EXPECT_EQ(header(pdf, "Cache-Control"), "no-store");
  http::Response html = call("GET", path("?format=html"), kHospitalCaller);
  ASSERT_EQ(html.status, 200);
  EXPECT_EQ(html.body, summary_.html);
  EXPECT_EQ(header(html, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(header(html, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  http::Response bad = call("GET", path("?format=docx"), kClinicianCaller);
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(is_problem(bad));
  const std::string other = create_id("booking-2", false, booking("43"));
  http::Response none = call("GET", "/v1/consultations/" + other + "/summary", kClinicianCaller);
  EXPECT_EQ(none.status, 404);
  EXPECT_TRUE(is_problem(none));
  EXPECT_EQ(call("GET", "/v1/consultations/nope/summary", kClinicianCaller).status, 404);
  EXPECT_EQ(audit_count("visit_summary.read"), 2);
}

TEST_P(VisitSummariesTest, ThePatientsLinkWorksUntilItExpires) {
  http::Response page = call("GET", "/summary/" + working_, kNoKey);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.body, summary_.html);
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  http::Response pdf = call("GET", "/summary/" + working_ + "?format=pdf", kNoKey);
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.body, summary_.pdf);
  http::Response gone = call("GET", "/summary/" + expired_ + "?format=pdf", kNoKey);
  EXPECT_EQ(gone.status, 410);
  EXPECT_TRUE(is_problem(gone));
  EXPECT_EQ(gone.body.find("%PDF"), std::string::npos);
  http::Response unknown = call("GET", "/summary/" + std::string(43, 'A'), kNoKey);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(is_problem(unknown));
  EXPECT_EQ(call("GET", "/summary/" + working_ + "?format=json", kNoKey).status, 400);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = "
                   "'visit_summary_link.resolve' AND outcome = 'success'"),
            2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = "
                   "'visit_summary_link.resolve' AND outcome = 'failure'"),
            1);
}

INSTANTIATE_TEST_SUITE_P(Backends, VisitSummariesTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
