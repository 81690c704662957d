#include "hub/reports/report_actions.hpp"

#include <gtest/gtest.h>

#include "hub/attendance/attendance_store.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/calendar/civil_time.hpp"
#include "hub/feedback/feedback_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/reports/report_store.hpp"
#include "hub/workflow/step_guard.hpp"
#include "tests/unit/records/records_database.hpp"
#include "wasl/sdk/reporting.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::reports {
namespace {

using nlohmann::json;
using records::testing::kArabicName;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

const std::string kAuditKey(32, 'k');

// Epoch ms of a wall time in Riyadh.
std::int64_t riyadh(int month, int day, int hour, int minute = 0, int year = 2025) {
  return *calendar::instant_of(calendar::CivilTime{year, month, day, hour, minute, 0},
                               "Asia/Riyadh");
}

class ReportActionsTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    config_.facilities[kFacilityA].id = kFacilityA;
    config_.facilities[kFacilityA].name = "Hospital A";
    config_.facilities[kFacilityA].reporting.licence = "10000000000001";
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), kAuditKey);
    ASSERT_TRUE(workflow::add_builtin_hub_actions(actions_).ok());
    ASSERT_TRUE(add_report_actions(actions_, config_, *cipher_, *audit_).ok());
  }

  // One consultation of `facility` scheduled at `at`, moved to `status`.
  void seed(const std::string& id, std::int64_t at, const char* status,
            domain::ConsultationType type, const char* specialty = nullptr,
            std::int64_t session_seconds = -1, const char* reason = nullptr,
            const std::string& facility = kFacilityA) {
    records::ConsultationStore consultations(*cipher_);
    auto c = sample_consultation(facility, id, at - 3'600'000);
    c.scheduled_at = at;
    c.type = type;
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, c));
    ASSERT_OK(records::ConsultationStore::update_status(
        *tx, facility, id, *domain::parse_consultation_status(status), at));
    records::ConsultationReportFacts facts;
    if (specialty) facts.specialty = specialty;
    if (session_seconds >= 0) {
      facts.session_started_at = at + 60'000;
      facts.session_ended_at = at + 60'000 + session_seconds * 1000;
    }
    ASSERT_OK(records::ConsultationStore::set_report_facts(*tx, facility, id, facts, at));
    if (reason) {
      ASSERT_OK(records::ConsultationStore::set_cancel_reason(*tx, facility, id, reason, at));
    }
    ASSERT_OK(tx->commit());
  }

  // The hand-counted month: March 2025 in Riyadh.
  void seed_march() {
    using T = domain::ConsultationType;
    seed("c-01", riyadh(3, 1, 9), "completed", T::kDoctorPatient, "Cardiology", 600);
    seed("c-02", riyadh(3, 2, 10), "completed", T::kDoctorPatient, "Cardiology", 1200);
    seed("c-03", riyadh(3, 5, 11), "billed", T::kFollowUp, "Family medicine", 1800);
    seed("c-04", riyadh(3, 9, 12), "ended", T::kFollowUp, "Family medicine", 300);
    seed("c-05", riyadh(3, 15, 8), "completed", T::kSecondOpinion, nullptr, 2400);
    seed("c-06", riyadh(3, 20, 9), "cancelled", T::kDoctorPatient, "Cardiology", -1,
         "patient_request");
    seed("c-07", riyadh(3, 21, 9), "cancelled", T::kFollowUp, "Family medicine", -1, "no_show");
    seed("c-08", riyadh(3, 22, 9), "cancelled", T::kDoctorPatient);
    seed("c-09", riyadh(3, 31, 23, 30), "completed", T::kDoctorPatient, "Cardiology", 900);
    seed("c-10", riyadh(4, 1, 0, 30), "completed", T::kDoctorPatient, "Cardiology", 60);
    seed("c-11", riyadh(2, 28, 23), "completed", T::kDoctorPatient, "Cardiology", 60);
    seed("c-12", riyadh(3, 30, 9), "scheduled", T::kFollowUp);
    seed("c-13", riyadh(3, 25, 9), "failed", T::kDoctorPatient);
    seed("c-14", riyadh(3, 10, 9), "completed", T::kDoctorPatient, "Cardiology", 60, nullptr,
         kFacilityB);
  }

  // A claim of `consultation`, written as the claims store writes one.
  void claim(const std::string& id, const std::string& consultation, const std::string& state,
             std::int64_t created_at, const std::string& facility = kFacilityA,
             const char* provider_claim_id = nullptr) {
    exec_raw(
        "INSERT INTO claims (id, consultation_id, facility_id, state, provider_claim_id, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        {id, consultation, facility, state,
         provider_claim_id ? storage::Value(std::string(provider_claim_id)) : storage::null_value(),
         created_at});
  }

  workflow::HubActionContext context(storage::Transaction* tx, const std::string& consultation,
                                     const std::string& step = "report_body") {
    workflow::HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = kFacilityA;
    ctx.consultation_id = consultation;
    ctx.step_id = step;
    ctx.idempotency_key = "wasl-0123456789abcdef0123456789ab" + std::string(step.size() % 10, 'c');
    ctx.now_ms = riyadh(4, 1, 2);
    ctx.tx = tx;
    ctx.store = store_.get();
    return ctx;
  }

  sdk::Result<json> build(const json& input, const std::string& consultation = "") {
    auto tx = begin();
    auto ctx = context(tx.get(), consultation);
    auto out = actions_.find("hub.build_report")->action(ctx, input);
    if (out.ok()) EXPECT_TRUE(tx->commit().ok());
    return out;
  }

  // A participant of `consultation` (kFacilityA) in its room from `from` to
  // `to`, recorded as the attendance feature records the provider's join
  // and leave.
  void attend(const std::string& consultation, const std::string& who, const std::string& role,
              std::int64_t from, std::int64_t to) {
    attendance::AttendanceStore store(*cipher_);
    auto tx = begin();
    for (bool join : {true, false}) {
      attendance::AttendanceEvent e;
      e.facility_id = kFacilityA;
      e.consultation_id = consultation;
      e.video_instance = "video.v";
      e.room_id = "RM-" + consultation;
      e.mark = join ? attendance::AttendanceMark::kJoin : attendance::AttendanceMark::kLeave;
      e.provider_participant_id = who;
      e.role = role;
      e.occurred_at_ms = join ? from : to;
      e.dedupe_key = consultation + "/" + who + "/" + std::to_string(e.occurred_at_ms);
      ASSERT_OK(store.record(*tx, e, to));
    }
    ASSERT_OK(tx->commit());
  }

  config::Config config_;
  std::unique_ptr<audit::AuditWriter> audit_;
  workflow::HubActions actions_;
};

TEST_P(ReportActionsTest, TheMonthMatchesTheHandCount) {
  seed_march();
  ASSERT_OK_AND_ASSIGN(json out, build({{"kind", "aggregate"}, {"period", "2025-03"}}));
  sdk::Report report = out.get<sdk::Report>();
  EXPECT_EQ(json(report), out);  // exactly what reporting.submit_report takes
  EXPECT_EQ(report.period_start_ms, riyadh(3, 1, 0));
  EXPECT_EQ(report.period_end_ms, riyadh(4, 1, 0));
  const json& m = report.body["measures"];
  EXPECT_EQ(m["total"], 11);
  EXPECT_EQ(m["completed"], 6);  // c-01 c-02 c-03 (billed) c-04 (ended) c-05 c-09
  EXPECT_EQ(m["cancelled"]["total"], 2);
  EXPECT_EQ(m["cancelled"]["by_reason"], (json{{"patient_request", 1}, {"unspecified", 1}}));
  EXPECT_EQ(m["no_shows"], 1);
  EXPECT_EQ(m["by_type"], (json{{"doctor_patient", 6}, {"follow_up", 4}, {"second_opinion", 1}}));
  EXPECT_EQ(m["by_specialty"],
            (json{{"Cardiology", 4}, {"Family medicine", 3}, {"unspecified", 4}}));
  // Sessions 300 600 900 1200 1800 2400: median (900+1200)/2, p90 the 6th of 6.
  EXPECT_EQ(m["session_duration_seconds"]["count"], 6);
  EXPECT_EQ(m["session_duration_seconds"]["median"], 1050.0);
  EXPECT_EQ(m["session_duration_seconds"]["p90"], 2400.0);
  const json& period = report.body["period"];
  EXPECT_EQ(period["kind"], "month");
  EXPECT_EQ(period["label"], "2025-03");
  EXPECT_EQ(period["start"], "2025-03-01T00:00:00+03:00");
  EXPECT_EQ(period["end"], "2025-03-31T23:59:59+03:00");
  EXPECT_EQ(period["start_hijri"], "1446-09-01");  // 1 Ramadan 1446
  EXPECT_EQ(report.body["facility"]["licence"], "10000000000001");
  EXPECT_EQ(report.body["generated_at"], "2025-04-01T02:00:00+03:00");
  // Stored with the report row, encrypted, audited.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM reports WHERE kind = 'aggregate' AND state = 'pending'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'report.create'"), 1);
}

// The month's patient experience: the answers given in it, counted and
// averaged for the facility (none of another facility's, none given after
// the month), with no free text in the report.
TEST_P(ReportActionsTest, TheMonthCarriesThePatientsFeedback) {
  seed_march();
  feedback::FeedbackStore answers(*cipher_);
  auto answer = [&](const std::string& id, const std::string& consultation, int clinician,
                    int connection, std::int64_t at, const std::string& facility = kFacilityA) {
    feedback::FeedbackRecord r;
    r.id = id;
    r.facility_id = facility;
    r.consultation_id = consultation;
    r.practitioner_ref = "Practitioner/3";
    r.answer = {clinician, connection, "the sound dropped twice"};
    r.resource = feedback::response_resource(r.answer, "2025-03-01T10:00:00+03:00");
    r.answered_at = at;
    ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
    ASSERT_OK_AND_ASSIGN(bool inserted, answers.insert(*tx, r));
    EXPECT_TRUE(inserted);
    ASSERT_OK(tx->commit());
  };
  answer("f-1", "c-01", 5, 4, riyadh(3, 1, 12));
  answer("f-2", "c-02", 4, 2, riyadh(3, 2, 12));
  answer("f-3", "c-05", 4, 3, riyadh(3, 15, 12));
  answer("f-4", "c-10", 1, 1, riyadh(4, 1, 12));  // April's
  answer("f-5", "c-01", 1, 1, riyadh(3, 1, 12), kFacilityB);
  ASSERT_OK_AND_ASSIGN(json out, build({{"kind", "aggregate"}, {"period", "2025-03"}}));
  const json& x = out["body"]["measures"]["patient_experience"];
  EXPECT_EQ(x["responses"], 3);
  EXPECT_EQ(x["clinician_rating_mean"], 4.33);  // 13 / 3
  EXPECT_EQ(x["connection_rating_mean"], 3.0);
  EXPECT_EQ(out.dump().find("sound dropped"), std::string::npos);
  // A day nobody answered has no means.
  ASSERT_OK_AND_ASSIGN(json day, build({{"kind", "aggregate"}, {"period", "2025-03-20"}}));
  const json& none = day["body"]["measures"]["patient_experience"];
  EXPECT_EQ(none["responses"], 0);
  EXPECT_TRUE(none["clinician_rating_mean"].is_null());
  EXPECT_TRUE(none["connection_rating_mean"].is_null());
}

// No-shows of both kinds are counted apart from the sessions held, and the
// day's attendee seconds are the exact sum of the periods that started in
// it (one starting the day before is not counted).
TEST_P(ReportActionsTest, NoShowsAreCountedApartAndTheDayCarriesItsAttendeeMinutes) {
  using T = domain::ConsultationType;
  const std::int64_t nine = riyadh(3, 10, 9);
  seed("held", nine, "completed", T::kDoctorPatient, "Cardiology", 600);
  seed("absent", riyadh(3, 10, 10), "no_show", T::kDoctorPatient);
  seed("no-doctor", riyadh(3, 10, 11), "clinician_no_show", T::kFollowUp);
  seed("cancelled-absent", riyadh(3, 10, 12), "cancelled", T::kFollowUp, nullptr, -1, "no_show");
  seed("yesterday", riyadh(3, 9, 23, 50), "completed", T::kDoctorPatient);
  attend("held", "doc", "clinician", nine, nine + 600'999);                               // 600 s
  attend("held", "pat", "patient", nine + 90'500, nine + 300'250);                        // 209 s
  attend("held", "pat", "patient", nine + 360'000, nine + 600'000);                       // 240 s
  attend("no-doctor", "pat2", "patient", riyadh(3, 10, 11), riyadh(3, 10, 11) + 61'000);  // 61 s
  attend("yesterday", "doc", "clinician", riyadh(3, 9, 23, 50), riyadh(3, 10, 0, 10));  // not today
  ASSERT_OK_AND_ASSIGN(json out, build({{"kind", "aggregate"}, {"period", "2025-03-10"}}));
  const json& m = out["body"]["measures"];
  EXPECT_EQ(m["total"], 4);
  EXPECT_EQ(m["completed"], 1);
  EXPECT_EQ(m["no_shows"], 2);  // the status, and the cancel with reason no_show
  EXPECT_EQ(m["clinician_no_shows"], 1);
  EXPECT_EQ(m["cancelled"]["total"], 0);
  EXPECT_EQ(m["attendance"]["attendee_seconds"], 600 + 209 + 240 + 61);
  EXPECT_EQ(m["attendance"]["attendee_minutes"], 18.5);  // 1110 / 60
}

// A consultation that did not take place is reported with its outcome, no
// duration and no encounter; a held one with its attendee seconds.
TEST_P(ReportActionsTest, AConsultationReportSaysWhatTookPlace) {
  using T = domain::ConsultationType;
  seed("absent", riyadh(3, 10, 10), "no_show", T::kDoctorPatient);
  ASSERT_OK_AND_ASSIGN(json absent, build({{"kind", "consultation"}}, "absent"));
  EXPECT_EQ(absent["body"]["consultation"]["status"], "no_show");
  EXPECT_EQ(absent["body"]["attendance"]["outcome"], "no_show");
  EXPECT_EQ(absent["body"]["attendance"]["patient_joined"], false);
  EXPECT_EQ(absent["body"]["attendance"]["attendee_seconds"], 0);
  EXPECT_EQ(absent["body"]["duration_seconds"], 0);
  EXPECT_TRUE(absent["body"]["encounter_id"].is_null());

  const std::int64_t nine = riyadh(3, 11, 9);
  seed("held", nine, "completed", T::kDoctorPatient, "Cardiology", 600);
  attend("held", "doc", "clinician", nine, nine + 600'000);
  attend("held", "pat", "patient", nine + 1'000, nine + 590'400);
  auto tx = begin();
  auto ctx = context(tx.get(), "held", "held_report");
  ASSERT_OK_AND_ASSIGN(json held,
                       actions_.find("hub.build_report")->action(ctx, {{"kind", "consultation"}}));
  EXPECT_EQ(held["body"]["attendance"]["outcome"], "held");
  EXPECT_EQ(held["body"]["attendance"]["attendee_seconds"], 600 + 589);
  EXPECT_EQ(held["body"]["attendance"]["clinician_joined"], true);
  EXPECT_EQ(held["body"]["duration_seconds"], 600);
}

TEST_P(ReportActionsTest, TheMonthsClaimsAreCountedByState) {
  seed_march();
  claim("cl-01", "c-01", "approved", 1);
  claim("cl-02", "c-02", "submitted", 1);
  claim("cl-03", "c-03", "approved", 1);
  claim("cl-03b", "c-03", "rejected", 2);
  claim("cl-11", "c-11", "approved", 1);              // February
  claim("cl-14", "c-14", "approved", 1, kFacilityB);  // another facility's
  ASSERT_OK_AND_ASSIGN(json out, build({{"kind", "aggregate"}, {"period", "2025-03"}}));
  EXPECT_EQ(out["body"]["claims"]["by_state"],
            (json{{"approved", 2}, {"rejected", 1}, {"submitted", 1}}));
}

TEST_P(ReportActionsTest, ClaimsOfMoreConsultationsThanOneListTakesAreAllCounted) {
  // 1,201 consultations in March (more than two chunks of
  // storage::kListChunk ids), each with a claim: every third approved.
  const int n = 1201;
  const std::int64_t at = riyadh(3, 15, 9);
  exec_raw("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
               std::to_string(n) +
               ") INSERT INTO consultations (id, facility_id, status, consultation_type, "
               "scheduled_at, created_at, updated_at) SELECT 'bulk-' || i, $1, 'completed', "
               "'follow_up', CAST($2 AS BIGINT), CAST($2 AS BIGINT), CAST($2 AS BIGINT) FROM n",
           {std::string(kFacilityA), at});
  exec_raw("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
               std::to_string(n) +
               ") INSERT INTO claims (id, consultation_id, facility_id, state, created_at) "
               "SELECT 'claim-' || i, 'bulk-' || i, $1, CASE WHEN i % 3 = 0 THEN 'approved' "
               "ELSE 'submitted' END, CAST($2 AS BIGINT) FROM n",
           {std::string(kFacilityA), at});
  claim("other", "bulk-1", "approved", at, kFacilityB);  // another facility's claim
  ASSERT_OK_AND_ASSIGN(json out, build({{"kind", "aggregate"}, {"period", "2025-03"}}));
  EXPECT_EQ(out["body"]["measures"]["total"], n);
  EXPECT_EQ(out["body"]["claims"]["by_state"], (json{{"approved", 400}, {"submitted", 801}}));
}

TEST_P(ReportActionsTest, AConsultationReportNamesItsLatestClaim) {
  seed("c-01", riyadh(3, 1, 9), "completed", domain::ConsultationType::kDoctorPatient);
  ASSERT_OK_AND_ASSIGN(json none, build({{"kind", "consultation"}}, "c-01"));
  EXPECT_TRUE(none["body"]["claim"].is_null());
  claim("cl-1", "c-01", "rejected", 100, kFacilityA, "PAYER-1");
  claim("cl-2", "c-01", "approved", 200, kFacilityA, "PAYER-2");
  claim("cl-0", "c-01", "submitted", 50);
  auto tx = begin();
  auto ctx = context(tx.get(), "c-01", "second_report");
  ASSERT_OK_AND_ASSIGN(json out,
                       actions_.find("hub.build_report")->action(ctx, {{"kind", "consultation"}}));
  EXPECT_EQ(out["body"]["claim"], (json{{"state", "approved"}, {"provider_claim_id", "PAYER-2"}}));
  EXPECT_EQ(out["body"]["consultation"]["type"], "doctor_patient");
  EXPECT_EQ(out["body"]["consultation"]["status"], "completed");
  EXPECT_TRUE(out["body"]["consultation"]["service_type"].is_null());
}

TEST_P(ReportActionsTest, ADayIsBoundedInTheFacilitysTimeZone) {
  seed_march();
  ASSERT_OK_AND_ASSIGN(json out, build({{"kind", "aggregate"}, {"period", "2025-03-31"}}));
  EXPECT_EQ(out["body"]["measures"]["total"], 1);  // c-09 at 23:30; c-10 is 1 April in Riyadh
  EXPECT_EQ(out["body"]["period"]["start_hijri"], "1446-10-02");  // Eid al-Fitr was the day before
  config_.facilities[kFacilityA].reporting.time_zone = "UTC";
  config_.facilities[kFacilityA].reporting.hijri_dates = false;
  auto tx = begin();
  auto ctx = context(tx.get(), "", "other_step");
  ASSERT_OK_AND_ASSIGN(json utc,
                       actions_.find("hub.build_report")
                           ->action(ctx, {{"kind", "aggregate"}, {"period", "2025-03-31"}}));
  EXPECT_EQ(utc["body"]["measures"]["total"], 2);  // in UTC both c-09 and c-10 fall on 31 March
  EXPECT_FALSE(utc["body"]["period"].contains("start_hijri"));
}

TEST_P(ReportActionsTest, AConsultationReportIdentifiesThePatientOnlyByNationalIdOrIqama) {
  seed("c-01", riyadh(3, 1, 9), "completed", domain::ConsultationType::kDoctorPatient, "Cardiology",
       600);
  ASSERT_OK_AND_ASSIGN(
      json out,
      build({{"kind", "consultation"}, {"encounter_id", "enc-1"}, {"archive_id", "arc-1"}},
            "c-01"));
  const json& body = out["body"];
  EXPECT_EQ(out["period_start_ms"], riyadh(3, 1, 9) + 60'000);  // the session's start
  EXPECT_EQ(body["duration_seconds"], 600);
  EXPECT_EQ(body["period"]["start"], "2025-03-01T09:01:00+03:00");
  EXPECT_EQ(body["period"]["start_hijri"], "1446-09-01");
  EXPECT_EQ(body["consultation"]["specialty"], "Cardiology");
  EXPECT_EQ(body["patient"]["identifiers"],
            (json::array({{{"kind", "national_id"}, {"value", "1098765432"}}})));
  EXPECT_EQ(body["practitioner"]["licence"], "lic-42");
  const std::string text = out.dump();
  for (const std::string& phi : {kArabicName, std::string("mrn-c-01"), std::string("Patient/7"),
                                 std::string("0501234567")}) {
    EXPECT_EQ(text.find(phi), std::string::npos) << phi;
  }
  // The payload is stored encrypted: the national id is not in the row's bytes.
  EXPECT_EQ(raw_bytes("SELECT * FROM reports").find("1098765432"), std::string::npos);
}

TEST_P(ReportActionsTest, NamesOnlyWhenTheFacilityAsksAndTheEhrPatientWins) {
  seed("c-01", riyadh(3, 1, 9), "completed", domain::ConsultationType::kDoctorPatient);
  config_.facilities[kFacilityA].reporting.patient_names = true;
  sdk::PatientSummary p;
  p.identifiers = {{"http://nphies.sa/identifier/iqama", "2123456789"},
                   {"urn:hospital:mrn", "M-1"}};
  p.given_name = "فاطمة";
  p.family_name = "الزهراني";
  sdk::PractitionerSummary doctor;
  doctor.identifiers = {{"http://nphies.sa/license/practitioner-license", "PR-9"}};
  ASSERT_OK_AND_ASSIGN(
      json out,
      build({{"kind", "consultation"}, {"patient", p}, {"practitioner", doctor}}, "c-01"));
  EXPECT_EQ(out["body"]["patient"]["identifiers"],
            (json::array({{{"kind", "iqama"}, {"value", "2123456789"}}})));
  EXPECT_EQ(out["body"]["patient"]["name"]["family"], "الزهراني");
  EXPECT_EQ(out["body"]["practitioner"]["licence"], "PR-9");
}

TEST_P(ReportActionsTest, TheReceiptIsStoredWithTheReport) {
  seed("c-01", riyadh(3, 1, 9), "completed", domain::ConsultationType::kDoctorPatient);
  ASSERT_OK_AND_ASSIGN(json built, build({{"kind", "consultation"}}, "c-01"));
  const std::string id = built["body"]["report_id"];
  sdk::Receipt receipt;
  receipt.receipt_id = "moh-receipt-1";
  receipt.status = "accepted";
  auto tx = begin();
  auto ctx = context(tx.get(), "c-01", "report");
  const auto* observer = actions_.observer(std::string(sdk::ReportSink::kSubmitReport));
  ASSERT_NE(observer, nullptr);
  ASSERT_OK((*observer)(ctx, built, sdk::Result<json>(json(receipt))));
  ASSERT_OK(tx->commit());
  ReportStore reports(*cipher_, *audit_);
  auto read_tx = begin();
  ASSERT_OK_AND_ASSIGN(domain::Report stored, reports.get(*read_tx, kFacilityA, id));
  EXPECT_EQ(stored.state, domain::ReportState::kAccepted);
  ASSERT_TRUE(stored.receipt.has_value());
  EXPECT_EQ(json::parse(*stored.receipt)["receipt_id"], "moh-receipt-1");
  EXPECT_TRUE(stored.submitted_at.has_value());
  EXPECT_EQ(json::parse(*stored.payload)["body"]["report_id"], id);
  // Another facility does not see it.
  EXPECT_FALSE(reports.get(*read_tx, kFacilityB, id).ok());
}

TEST_P(ReportActionsTest, BadInputsAreClearErrors) {
  seed("c-1", riyadh(3, 1, 9), "completed", domain::ConsultationType::kDoctorPatient);
  auto expect_invalid = [&](const json& input, const std::string& member,
                            const std::string& consultation = "c-1") {
    auto out = build(input, consultation);
    ASSERT_FALSE(out.ok()) << input.dump();
    EXPECT_EQ(out.error().code, sdk::ErrorCode::kInvalidArgument) << out.error().message;
    EXPECT_NE(out.error().message.find("'" + member + "'"), std::string::npos)
        << out.error().message;
  };
  expect_invalid(json::object(), "kind");
  expect_invalid({{"kind", "weekly"}}, "kind");
  expect_invalid({{"kind", "consultation"}, {"encounter_id", 4}}, "encounter_id");
  expect_invalid({{"kind", "consultation"}, {"patient", "x"}}, "patient");
  expect_invalid({{"kind", "aggregate"}}, "period_start_ms");
  expect_invalid({{"kind", "aggregate"}, {"period", "2025-02-30"}}, "period");
  expect_invalid({{"kind", "aggregate"}, {"period_start_ms", 5}, {"period_end_ms", 5}},
                 "period_end_ms");
  auto no_consultation = build({{"kind", "consultation"}}, "");
  ASSERT_FALSE(no_consultation.ok());
  EXPECT_EQ(no_consultation.error().code, sdk::ErrorCode::kFailedPrecondition);
}

TEST(ReportStatistics, MedianAndNearestRankP90) {
  EXPECT_EQ(median_of({5}), 5.0);
  EXPECT_EQ(median_of({1, 2, 3, 10}), 2.5);
  EXPECT_EQ(p90_of({5}), 5.0);
  EXPECT_EQ(p90_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), 9.0);       // ceil(9.0) = 9th
  EXPECT_EQ(p90_of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), 10.0);  // ceil(9.9) = 10th
}

WASL_RECORDS_INSTANTIATE(ReportActionsTest);

// reporting.submit_report goes to the ministry in the name of the run's
// facility only: the host fills the facility part, and a step naming
// another facility's identity or report is refused and audited.
class ReportStepGuardTest : public ReportActionsTest {
 protected:
  sdk::Result<json> guarded(const std::string& facility, const json& input) {
    auto ctx = context(nullptr, "");
    ctx.facility_id = facility;
    ctx.step_id = "report";
    return workflow::guard_step_input(*store_, actions_, ctx,
                                      std::string(sdk::ReportSink::kSubmitReport), input);
  }
  std::int64_t denials(const std::string& facility) {
    return scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND facility_id = $1",
        {facility});
  }
};

TEST_P(ReportStepGuardTest, TheHostFillsTheRunsFacility) {
  seed("c-01", riyadh(3, 1, 9), "completed", domain::ConsultationType::kDoctorPatient);
  ASSERT_OK_AND_ASSIGN(json built, build({{"kind", "consultation"}}, "c-01"));
  json sent = built;
  sent["body"].erase("facility");
  sent.erase("facility_id");
  ASSERT_OK_AND_ASSIGN(json admitted, guarded(kFacilityA, sent));
  EXPECT_EQ(admitted["facility_id"], kFacilityA);
  EXPECT_EQ(admitted["body"]["facility"]["id"], kFacilityA);
  EXPECT_EQ(admitted["body"]["facility"]["licence"], "10000000000001");
  EXPECT_EQ(admitted["body"]["facility"]["name"], "Hospital A");
  EXPECT_EQ(denials(kFacilityA), 0);
}

TEST_P(ReportStepGuardTest, AnotherFacilitysIdentityOrReportIsRefusedAndAudited) {
  config_.facilities[kFacilityB].id = kFacilityB;
  config_.facilities[kFacilityB].name = "Hospital B";
  config_.facilities[kFacilityB].reporting.licence = "20000000000002";
  seed("c-01", riyadh(3, 1, 9), "completed", domain::ConsultationType::kDoctorPatient);
  ASSERT_OK_AND_ASSIGN(json a_report, build({{"kind", "consultation"}}, "c-01"));

  // B's run hands A's report over as it is: A's facility, A's report id.
  auto as_a = guarded(kFacilityB, a_report);
  ASSERT_FALSE(as_a.ok());
  EXPECT_EQ(as_a.error().code, sdk::ErrorCode::kPermissionDenied);
  EXPECT_FALSE(as_a.error().retryable);
  // B's run names itself but A's report.
  json renamed = a_report;
  renamed["facility_id"] = kFacilityB;
  renamed["body"].erase("facility");
  auto a_subject = guarded(kFacilityB, renamed);
  ASSERT_FALSE(a_subject.ok());
  EXPECT_EQ(a_subject.error().code, sdk::ErrorCode::kPermissionDenied);
  // A's licence in a body of A's own run that names another licence.
  json licence = a_report;
  licence["body"]["facility"]["licence"] = "20000000000002";
  auto other_licence = guarded(kFacilityA, licence);
  ASSERT_FALSE(other_licence.ok());
  EXPECT_EQ(other_licence.error().code, sdk::ErrorCode::kPermissionDenied);

  EXPECT_EQ(denials(kFacilityB), 2);
  EXPECT_EQ(denials(kFacilityA), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND "
                   "outcome = 'denied' AND entity_type = 'report' AND facility_id = $1",
                   {std::string(kFacilityB)}),
            1);
}

WASL_RECORDS_INSTANTIATE(ReportStepGuardTest);

}  // namespace
}  // namespace wasl::reports
