#include "plugins/sandbox/sandbox_ehr.hpp"

#include <gtest/gtest.h>

#include "plugins/sandbox/tests/effects_table.hpp"
#include "plugins/sandbox/tests/sandbox_fixture.hpp"

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using testing::read_effect;

class SandboxEhrTest : public testing::SandboxFixture {};

TEST_F(SandboxEhrTest, ReadsAnswerTheDemoPeopleWithAnArabicName) {
  auto ehr = make<SandboxEhr>(settings());
  ASSERT_TRUE(ehr);
  auto patient = ehr->read_patient({"sandbox-patient-1"});
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(patient->id, "sandbox-patient-1");
  EXPECT_EQ(patient->given_name, "فاطمة");
  EXPECT_EQ(patient->family_name, "الزهراني");
  EXPECT_EQ(patient->raw["name"][0]["family"], "الزهراني");
  // The wire form round-trips the UTF-8 bytes unchanged.
  EXPECT_EQ(json::parse(json(*patient).dump()).get<sdk::PatientSummary>().given_name, "فاطمة");

  auto practitioner = ehr->read_practitioner({"sandbox-practitioner-1"});
  ASSERT_TRUE(practitioner.ok());
  EXPECT_EQ(practitioner->id, "sandbox-practitioner-1");
  EXPECT_FALSE(practitioner->name.empty());
  EXPECT_FALSE(practitioner->identifiers.empty());

  auto empty = ehr->read_patient({""});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SandboxEhrTest, AnAppointmentStartsWhenFirstReadAndStaysThereAcrossARestart) {
  auto ehr = make<SandboxEhr>(settings());
  ASSERT_TRUE(ehr);
  auto first = ehr->read_appointment({"appt-42"});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->id, "appt-42");
  EXPECT_EQ(first->status, "booked");
  EXPECT_EQ(first->patient_id, "sandbox-patient-1");
  EXPECT_EQ(first->practitioner_id, "sandbox-practitioner-1");
  EXPECT_EQ(first->start_ms, kStartMs);
  EXPECT_EQ(first->end_ms, kStartMs + 30 * 60 * 1000);

  set_now(std::chrono::system_clock::time_point(std::chrono::milliseconds(kStartMs + 5000)));
  EXPECT_EQ(ehr->read_appointment({"appt-42"})->start_ms, kStartMs);
  auto other = ehr->read_appointment({"appt-43"});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->start_ms, kStartMs + 5000);

  ehr.reset();
  auto restarted = make<SandboxEhr>(settings());
  ASSERT_TRUE(restarted);
  EXPECT_EQ(restarted->read_appointment({"appt-42"})->start_ms, kStartMs);
}

TEST_F(SandboxEhrTest, AStartOffsetBooksTheAppointmentAheadOfItsFirstRead) {
  auto ehr = make<SandboxEhr>(settings({{"appointment_start_offset_seconds", 90}}));
  ASSERT_TRUE(ehr);
  auto read = ehr->read_appointment({"appt-ahead"});
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->start_ms, kStartMs + 90000);
  EXPECT_EQ(read->end_ms, kStartMs + 90000 + 30 * 60 * 1000);
  auto updated = ehr->update_appointment_status({"k-ahead", "appt-ahead", "arrived"});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->start_ms, kStartMs + 90000);
}

TEST_F(SandboxEhrTest, CoverageIsActiveUnlessTurnedOff) {
  auto insured = make<SandboxEhr>(settings());
  ASSERT_TRUE(insured);
  auto coverage = insured->read_coverage({"", "sandbox-patient-1"});
  ASSERT_TRUE(coverage.ok());
  EXPECT_EQ(coverage->status, "active");
  EXPECT_EQ(coverage->patient_id, "sandbox-patient-1");
  EXPECT_FALSE(coverage->id.empty());
  EXPECT_LT(coverage->period_start_ms, kStartMs);
  EXPECT_GT(coverage->period_end_ms, kStartMs);

  auto self_paying = make<SandboxEhr>(settings({{"coverage", false}}));
  ASSERT_TRUE(self_paying);
  auto none = self_paying->read_coverage({"", "sandbox-patient-1"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(none.error().retryable);
}

TEST_F(SandboxEhrTest, StatusUpdatesAreRecordedOncePerKey) {
  auto ehr = make<SandboxEhr>(settings());
  ASSERT_TRUE(ehr);
  auto arrived = ehr->update_appointment_status({"run1:arrived", "appt-1", "arrived"});
  ASSERT_TRUE(arrived.ok()) << arrived.error().message;
  EXPECT_EQ(arrived->status, "arrived");
  EXPECT_EQ(arrived->version_id, "2");
  EXPECT_EQ(ehr->read_appointment({"appt-1"})->status, "arrived");

  auto again = ehr->update_appointment_status({"run1:arrived", "appt-1", "arrived"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(json(*again), json(*arrived));
  EXPECT_EQ(read_effect(state_file(), "update_appointment_status", "run1:arrived")->calls, 2);

  auto fulfilled = ehr->update_appointment_status({"run1:fulfilled", "appt-1", "fulfilled"});
  ASSERT_TRUE(fulfilled.ok());
  EXPECT_EQ(fulfilled->status, "fulfilled");
  EXPECT_EQ(fulfilled->version_id, "3");

  // The status it already has succeeds without a new version.
  auto same = ehr->update_appointment_status({"run2:fulfilled", "appt-1", "fulfilled"});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version_id, "3");

  auto no_key = ehr->update_appointment_status({"", "appt-1", "arrived"});
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SandboxEhrTest, EncountersAndDocumentsKeepTheirIdsOnARepeat) {
  auto ehr = make<SandboxEhr>(settings());
  ASSERT_TRUE(ehr);
  sdk::EncounterRequest encounter;
  encounter.idempotency_key = "run1:encounter";
  encounter.patient_id = "sandbox-patient-1";
  auto created = ehr->create_encounter(encounter);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->id.rfind("sandbox-encounter-", 0), 0u);
  auto repeat = ehr->create_encounter(encounter);
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat->id, created->id);
  EXPECT_FALSE(repeat->created);

  encounter.idempotency_key = "run2:encounter";
  auto second = ehr->create_encounter(encounter);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->id, created->id);

  sdk::DocumentRequest document;
  document.idempotency_key = "run1:recording_document";
  document.encounter_id = created->id;
  auto doc = ehr->attach_document(document);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->id.rfind("sandbox-document-", 0), 0u);
  EXPECT_EQ(ehr->attach_document(document)->id, doc->id);

  auto row = read_effect(state_file(), "create_encounter", "run1:encounter");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->calls, 2);
  EXPECT_EQ(json::parse(row->result)["id"], created->id);
  EXPECT_EQ(read_effect(state_file(), "attach_document", "run1:recording_document")->calls, 2);

  document.idempotency_key.clear();
  EXPECT_EQ(ehr->attach_document(document).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SandboxEhrTest, FailFirstAttemptLosesTheFirstAnswerEvenAcrossARestart) {
  json lossy = settings({{"fail_first_attempt", true}});
  auto ehr = make<SandboxEhr>(lossy);
  ASSERT_TRUE(ehr);
  sdk::EncounterRequest encounter;
  encounter.idempotency_key = "run1:encounter";
  auto lost = ehr->create_encounter(encounter);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(lost.error().retryable);
  // The effect happened although its answer was lost.
  auto row = read_effect(state_file(), "create_encounter", "run1:encounter");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->calls, 1);
  std::string id = json::parse(row->result)["id"];

  ehr.reset();  // the hub restarts; the retry comes to a new instance
  auto restarted = make<SandboxEhr>(lossy);
  ASSERT_TRUE(restarted);
  auto retried = restarted->create_encounter(encounter);
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->id, id);
  EXPECT_EQ(read_effect(state_file(), "create_encounter", "run1:encounter")->calls, 2);

  // Reads are never lost.
  EXPECT_TRUE(restarted->read_appointment({"appt-1"}).ok());
  // Every (method, key) loses its own first answer.
  auto status = restarted->update_appointment_status({"run1:arrived", "appt-1", "arrived"});
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(status.error().retryable);
  EXPECT_EQ(restarted->read_appointment({"appt-1"})->status, "arrived");
  EXPECT_TRUE(restarted->update_appointment_status({"run1:arrived", "appt-1", "arrived"}).ok());
}

}  // namespace
}  // namespace wasl::plugins::sandbox
