// Clinical notes through the router, on SQLite and PostgreSQL: the role
// matrix of every route, drafts changed and signed by their author only,
// signed notes immutable and amended by new versions, the text encrypted
// in the database and every read and write audited.
#include "hub/api/clinical_notes.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/unit/api/clinical_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class ClinicalNotesTest : public ClinicalFixture {
 protected:
  std::string path(const std::string& suffix = "") {
    return "/v1/consultations/" + consultation_ + "/notes" + suffix;
  }

  static nlohmann::json note_body(const std::string& plan = "Paracetamol; review in 3 days") {
    return {{"language", "ar"},
            {"subjective", "صداع منذ ثلاثة أيام"},
            {"objective", "BP 120/80"},
            {"assessment", "Tension headache"},
            {"plan", plan}};
  }

  std::string create_note(const Caller& as = kClinicianCaller,
                          const nlohmann::json& body = note_body()) {
    http::Response r = call("POST", path(), as, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).value("id", std::string());
  }
};

TEST_P(ClinicalNotesTest, WritingIsForTheFacilitysClinicians) {
  EXPECT_EQ(call("POST", path(), kClinicianCaller, note_body()).status, 201);
  EXPECT_EQ(call("POST", path(), kOtherClinicianCaller, note_body()).status, 201);
  for (const Caller& as : {kHospitalCaller, kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    http::Response r = call("POST", path(), as, note_body());
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_TRUE(is_problem(r));
  }
  http::Response other = call("POST", path(), kOtherFacilityClinician, note_body());
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_TRUE(is_problem(other));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM clinical_notes"), 2);
  EXPECT_EQ(audit_count("clinical_note.create"), 2);
}

TEST_P(ClinicalNotesTest, ReadersSeeTheTextOrOnlyThatTheNoteExists) {
  const std::string nid = create_note();
  for (const Caller& as : {kClinicianCaller, kOtherClinicianCaller, kHospitalCaller}) {
    http::Response one = call("GET", path("/" + nid), as);
    ASSERT_EQ(one.status, 200) << one.body;
    nlohmann::json note = body_of(one);
    EXPECT_EQ(note["subjective"], "صداع منذ ثلاثة أيام");
    EXPECT_EQ(note["plan"], "Paracetamol; review in 3 days");
    EXPECT_EQ(note["language"], "ar");
    http::Response all = call("GET", path(), as);
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(body_of(all)["items"][0]["assessment"], "Tension headache");
  }
  for (const Caller& as : {kIntegratorCaller, kAdminCaller}) {
    http::Response one = call("GET", path("/" + nid), as);
    ASSERT_EQ(one.status, 200) << one.body;
    nlohmann::json note = body_of(one);
    EXPECT_EQ(note["id"], nid);
    EXPECT_EQ(note["status"], "draft");
    EXPECT_EQ(note["author_practitioner"], "Practitioner/3");
    EXPECT_TRUE(note.contains("created_at"));
    for (const char* hidden : {"subjective", "objective", "assessment", "plan", "text"}) {
      EXPECT_FALSE(note.contains(hidden)) << hidden;
    }
    EXPECT_EQ(one.body.find("Paracetamol"), std::string::npos);
    http::Response all = call("GET", path(), as);
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(all.body.find("Tension"), std::string::npos);
    EXPECT_EQ(body_of(all)["items"].size(), 1u);
  }
  for (const std::string& target : {path(), path("/" + nid)}) {
    EXPECT_EQ(call("GET", target, kAuditorCaller).status, 403);
    EXPECT_EQ(call("GET", target, kOtherFacilityClinician).status, 404);
    EXPECT_EQ(call("GET", target, kOtherFacilityHospital).status, 404);
  }
  // Every read is audited, saying whether the text was shown.
  EXPECT_EQ(audit_count("clinical_note.read"), 5);
  EXPECT_EQ(audit_count("clinical_note.list"), 5);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'clinical_note.read' AND "
                   "detail LIKE '%\"content\":false%'"),
            2);
}

TEST_P(ClinicalNotesTest, OnlyTheAuthorChangesAndSignsADraft) {
  const std::string nid = create_note();
  const nlohmann::json changed = note_body("Ibuprofen 400 mg");
  for (const Caller& as :
       {kOtherClinicianCaller, kHospitalCaller, kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    http::Response put = call("PUT", path("/" + nid), as, changed);
    EXPECT_EQ(put.status, 403) << put.body;
    EXPECT_TRUE(is_problem(put));
    EXPECT_EQ(call("POST", path("/" + nid + "/sign"), as).status, 403);
  }
  EXPECT_EQ(call("PUT", path("/" + nid), kOtherFacilityClinician, changed).status, 404);
  EXPECT_EQ(call("POST", path("/" + nid + "/sign"), kOtherFacilityClinician).status, 404);
  EXPECT_EQ(body_of(call("GET", path("/" + nid), kClinicianCaller))["plan"],
            "Paracetamol; review in 3 days");

  http::Response put = call("PUT", path("/" + nid), kClinicianCaller, changed);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(body_of(put)["plan"], "Ibuprofen 400 mg");
  http::Response signed_note = call("POST", path("/" + nid + "/sign"), kClinicianCaller);
  ASSERT_EQ(signed_note.status, 200) << signed_note.body;
  EXPECT_EQ(body_of(signed_note)["status"], "signed");
  EXPECT_EQ(body_of(signed_note)["signed_at"], iso(kNow));
  EXPECT_EQ(audit_count("clinical_note.update"), 1);
  EXPECT_EQ(audit_count("clinical_note.sign"), 1);
}

TEST_P(ClinicalNotesTest, ASignedNoteNeverChangesAndIsAmendedByANewVersion) {
  const std::string nid = create_note();
  ASSERT_EQ(call("POST", path("/" + nid + "/sign"), kClinicianCaller).status, 200);
  const std::string before = call("GET", path("/" + nid), kClinicianCaller).body;

  http::Response put = call("PUT", path("/" + nid), kClinicianCaller, note_body("changed"));
  EXPECT_EQ(put.status, 409) << put.body;
  EXPECT_TRUE(is_problem(put));
  EXPECT_EQ(call("POST", path("/" + nid + "/sign"), kClinicianCaller).status, 409);
  EXPECT_EQ(call("GET", path("/" + nid), kClinicianCaller).body, before);

  // Any clinician of the facility amends; the new version is theirs.
  for (const Caller& as : {kHospitalCaller, kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    EXPECT_EQ(call("POST", path("/" + nid + "/amend"), as, note_body("x")).status, 403);
  }
  EXPECT_EQ(
      call("POST", path("/" + nid + "/amend"), kOtherFacilityClinician, note_body("x")).status,
      404);
  http::Response amended = call("POST", path("/" + nid + "/amend"), kOtherClinicianCaller,
                                note_body("Refer to neurology"));
  ASSERT_EQ(amended.status, 201) << amended.body;
  nlohmann::json v2 = body_of(amended);
  EXPECT_EQ(v2["version"], 2);
  EXPECT_EQ(v2["amends"], nid);
  EXPECT_EQ(v2["status"], "draft");
  EXPECT_EQ(v2["author_practitioner"], "Practitioner/9");
  EXPECT_EQ(amended.headers.find("Location")->second, path("/" + v2["id"].get<std::string>()));

  // A version is amended once; a draft is changed, not amended.
  http::Response again = call("POST", path("/" + nid + "/amend"), kClinicianCaller, note_body("y"));
  EXPECT_EQ(again.status, 409) << again.body;
  const std::string v2_id = v2["id"];
  EXPECT_EQ(call("POST", path("/" + v2_id + "/amend"), kClinicianCaller, note_body("z")).status,
            409);
  // The amendment's author signs it; both versions are kept.
  EXPECT_EQ(call("POST", path("/" + v2_id + "/sign"), kClinicianCaller).status, 403);
  EXPECT_EQ(call("POST", path("/" + v2_id + "/sign"), kOtherClinicianCaller).status, 200);
  nlohmann::json all = body_of(call("GET", path(), kClinicianCaller));
  ASSERT_EQ(all["items"].size(), 2u);
  EXPECT_EQ(all["items"][0]["plan"], "Paracetamol; review in 3 days");
  EXPECT_EQ(all["items"][0]["status"], "signed");
  EXPECT_EQ(all["items"][1]["plan"], "Refer to neurology");
  EXPECT_EQ(all["items"][1]["status"], "signed");
  EXPECT_EQ(audit_count("clinical_note.amend"), 1);
}

TEST_P(ClinicalNotesTest, TheTextIsEncryptedInTheDatabaseAndNotInTheAudit) {
  const std::string secret = "SECRET-NOTE-" + consultation_;
  const std::string arabic = "ألم في الصدر عند الجهد";
  nlohmann::json body = note_body(secret);
  body["text"] = arabic;
  const std::string nid = create_note(kClinicianCaller, body);
  EXPECT_EQ(body_of(call("GET", path("/" + nid), kClinicianCaller))["text"], arabic);
  {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT content_enc FROM clinical_notes WHERE id = $1", {nid});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 1u);
    auto sealed = rows->front().get_blob(0);
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->find(secret), std::string::npos);
    EXPECT_EQ(sealed->find(arabic), std::string::npos);
    EXPECT_EQ(sealed->find("Tension"), std::string::npos);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE $1", {"%" + secret + "%"}),
            0);
  if (GetParam() == storage::Dialect::kSqlite) {
    // The database file and its write-ahead log hold no byte of the text.
    const std::string bytes = sqlite_bytes();
    ASSERT_FALSE(bytes.empty());
    EXPECT_NE(bytes.find(consultation_), std::string::npos);  // the file is the one written to
    EXPECT_EQ(bytes.find(secret), std::string::npos);
    EXPECT_EQ(bytes.find(arabic), std::string::npos);
  }
}

TEST_P(ClinicalNotesTest, BadInputChangesNothing) {
  http::Response r = call("POST", path(), kClinicianCaller, nlohmann::json{{"language", "fr"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_TRUE(is_problem(r));
  std::set<std::string> fields;
  const nlohmann::json problem = body_of(r);
  for (const auto& e : problem["errors"]) fields.insert(e["field"]);
  EXPECT_TRUE(fields.count("language"));
  EXPECT_EQ(call("POST", path(), kClinicianCaller, nlohmann::json{{"language", "en"}}).status, 422);
  EXPECT_EQ(
      call("POST", path(), kClinicianCaller, nlohmann::json{{"language", "en"}, {"diagnosis", "x"}})
          .status,
      422);
  EXPECT_EQ(call("POST", "/v1/consultations/no-such/notes", kClinicianCaller, note_body()).status,
            404);
  EXPECT_EQ(call("GET", path("/no-such"), kClinicianCaller).status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM clinical_notes"), 0);
  EXPECT_EQ(audit_count("clinical_note.create"), 0);
}

TEST_P(ClinicalNotesTest, AnIdempotencyKeyReplaysTheFirstAnswer) {
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "note-1"}};
  http::Response first = call("POST", path(), kClinicianCaller, note_body(), key);
  ASSERT_EQ(first.status, 201) << first.body;
  http::Response again = call("POST", path(), kClinicianCaller, note_body(), key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers.find("Idempotent-Replayed")->second, "true");
  EXPECT_EQ(again.headers.find("Location")->second, first.headers.find("Location")->second);
  EXPECT_EQ(call("POST", path(), kClinicianCaller, note_body("other"), key).status, 422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM clinical_notes"), 1);
  EXPECT_EQ(audit_count("clinical_note.create"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClinicalNotesTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
