// The task that writes a patient's feedback to the EHR, on both backends,
// with a recording EhrConnector test double: the answer's transaction
// requests it; a run attaches one DocumentReference carrying the
// QuestionnaireResponse (its key stable across runs) and records the
// document; a plugin without the write, a facility without an EHR and a
// refusal are each recorded as such; another facility's answer is not
// touched.
#include "hub/feedback/feedback_ehr_write.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "hub/feedback/feedback_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::feedback {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;
using records::testing::RecordsDatabaseTest;
using sdk::Error;
using sdk::ErrorCode;

constexpr std::int64_t kNow = 1'772'344'800'000;

// Answers every read kUnimplemented; attach_document records the request
// and answers `answer`.
class RecordingEhrConnector final : public sdk::EhrConnector {
 public:
  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef&) override {
    return Error(ErrorCode::kUnimplemented, "not in this test");
  }
  sdk::Result<sdk::PractitionerSummary> read_practitioner(const sdk::ResourceRef&) override {
    return Error(ErrorCode::kUnimplemented, "not in this test");
  }
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef&) override {
    return Error(ErrorCode::kUnimplemented, "not in this test");
  }
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest&) override {
    return Error(ErrorCode::kUnimplemented, "not in this test");
  }
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate&) override {
    return Error(ErrorCode::kUnimplemented, "not in this test");
  }
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest&) override {
    return Error(ErrorCode::kUnimplemented, "not in this test");
  }
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest& r) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(r);
    return answer_;
  }

  std::vector<sdk::DocumentRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  void answer(sdk::Result<sdk::ResourceCreated> a) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(a);
  }

 private:
  std::mutex mutex_;
  std::vector<sdk::DocumentRequest> requests_;
  sdk::Result<sdk::ResourceCreated> answer_ = sdk::ResourceCreated{"doc-1", "1", true};
};

class FeedbackEhrWriteTest : public RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    config_.facilities[kFacilityA].id = kFacilityA;
    config_.facilities[kFacilityA].bindings["ehr"] = "ehr.fhir";
    config_.facilities[kFacilityB].id = kFacilityB;
    ehr_ = std::make_shared<RecordingEhrConnector>();
  }

  // A consultation of `facility` (patient Patient/7) and its answer, the
  // task requested in the same transaction.
  void answer(const std::string& consultation, const std::string& facility = kFacilityA) {
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_OK(records::ConsultationStore(*cipher_).insert(
        *tx, sample_consultation(facility, consultation, kNow - 3'600'000)));
    FeedbackRecord r;
    r.id = "fb-" + consultation;
    r.facility_id = facility;
    r.consultation_id = consultation;
    r.practitioner_ref = "Practitioner/3";
    r.answer = {4, 2, std::string("الصوت انقطع")};
    r.resource = response_resource(r.answer, "2026-03-01T09:00:00Z");
    r.answered_at = kNow;
    ASSERT_OK_AND_ASSIGN(bool inserted, FeedbackStore(*cipher_).insert(*tx, r));
    ASSERT_TRUE(inserted);
    ASSERT_OK(request_ehr_write(*tx, facility, consultation, kNow));
    ASSERT_OK(tx->commit());
  }

  jobs::Task task(const std::string& consultation, const std::string& facility = kFacilityA) {
    jobs::Task t;
    t.kind = std::string(kFeedbackEhrTask);
    t.key = std::string(kFeedbackEhrTask) + "/" + facility + "/" + consultation;
    t.payload = {{"facility_id", facility}, {"consultation_id", consultation}};
    return t;
  }

  FeedbackEhrWrite handler() {
    return FeedbackEhrWrite(
        *store_, config_, *cipher_,
        [this](const std::string& instance) -> sdk::Result<std::shared_ptr<sdk::EhrConnector>> {
          if (instance != "ehr.fhir") {
            return Error(ErrorCode::kNotFound, "no instance " + instance);
          }
          return std::static_pointer_cast<sdk::EhrConnector>(ehr_);
        });
  }

  // Runs the task and commits its settlement, as the task runner does.
  sdk::Status run(FeedbackEhrWrite& h, const jobs::Task& t) {
    auto settlement = h.run(t);
    if (!settlement.ok()) return std::move(settlement).error();
    auto tx = begin();
    if (*settlement) WASL_RETURN_IF_ERROR((*settlement)(*tx));
    return tx->commit();
  }

  FeedbackRecord stored(const std::string& consultation, const std::string& facility = kFacilityA) {
    auto tx = begin();
    auto r = FeedbackStore(*cipher_).get(*tx, facility, consultation);
    EXPECT_TRUE(r.ok()) << r.error().message;
    tx->rollback();
    return r.ok() ? *r : FeedbackRecord{};
  }

  config::Config config_;
  std::shared_ptr<RecordingEhrConnector> ehr_;
};

TEST_P(FeedbackEhrWriteTest, TheAnswerGoesToThePatientsRecordAsItsQuestionnaireResponse) {
  answer("c-1");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'task.feedback_ehr'"), 1);
  EXPECT_EQ(stored("c-1").ehr_state, kEhrPending);
  FeedbackEhrWrite h = handler();
  ASSERT_OK(run(h, task("c-1")));
  const auto sent = ehr_->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].patient_id, "7");
  EXPECT_EQ(sent[0].idempotency_key, "wasl-feedback-fb-c-1");
  EXPECT_EQ(sent[0].content_type, "application/fhir+json");
  const std::string body = sdk::base64_decode(sent[0].data_base64).value_or("");
  const nlohmann::json qr = nlohmann::json::parse(body, nullptr, false);
  EXPECT_EQ(qr["resourceType"], "QuestionnaireResponse");
  EXPECT_EQ(qr["item"][0]["answer"][0]["valueInteger"], 4);
  EXPECT_EQ(qr["item"][2]["answer"][0]["valueString"], "الصوت انقطع");
  EXPECT_EQ(sent[0].size_bytes, static_cast<std::int64_t>(body.size()));
  EXPECT_EQ(sent[0].sha256_hex.size(), 64u);
  FeedbackRecord r = stored("c-1");
  EXPECT_EQ(r.ehr_state, kEhrWritten);
  EXPECT_EQ(r.ehr_document_id, "doc-1");

  // Run again (a runner that died before settling): the same key, so the
  // plugin's conditional create finds the first document.
  ehr_->answer(sdk::ResourceCreated{"doc-1", "1", false});
  ASSERT_OK(run(h, task("c-1")));
  ASSERT_EQ(ehr_->requests().size(), 2u);
  EXPECT_EQ(ehr_->requests()[1].idempotency_key, sent[0].idempotency_key);
  EXPECT_EQ(stored("c-1").ehr_document_id, "doc-1");
}

// The task runner holds a write to its facility's ehr instance's share of
// its threads: the instance comes from the facility's binding, whatever
// the payload says.
TEST_P(FeedbackEhrWriteTest, TheTaskRunsUnderItsFacilitysEhrInstancesShare) {
  FeedbackEhrWrite h = handler();
  EXPECT_EQ(h.instance(task("c-1")), "ehr.fhir");
  jobs::Task claimed = task("c-1");
  claimed.payload["instance"] = "ehr.other";
  EXPECT_EQ(h.instance(claimed), "ehr.fhir");
  EXPECT_EQ(h.instance(task("c-1", kFacilityB)), "");  // no ehr binding
  EXPECT_EQ(h.instance(task("c-1", "fac-unknown")), "");
}

TEST_P(FeedbackEhrWriteTest, EachOutcomeIsRecordedOnItsAnswerOnly) {
  answer("c-1");
  answer("c-2");
  answer("c-b", kFacilityB);
  FeedbackEhrWrite h = handler();

  // A plugin without the write.
  ehr_->answer(Error(ErrorCode::kUnimplemented, "ehr.attach_document is not supported"));
  ASSERT_OK(run(h, task("c-1")));
  EXPECT_EQ(stored("c-1").ehr_state, kEhrNotSupported);
  EXPECT_EQ(stored("c-2").ehr_state, kEhrPending);

  // A retryable error is the runner's to retry; a refusal, once the runner
  // gives up, is recorded with its code.
  ehr_->answer(Error(ErrorCode::kUnavailable, "503", true));
  auto retry = h.run(task("c-2"));
  ASSERT_FALSE(retry.ok());
  EXPECT_TRUE(retry.error().retryable);
  ehr_->answer(Error(ErrorCode::kInvalidArgument, "OperationOutcome: invalid", false));
  auto refused = h.run(task("c-2"));
  ASSERT_FALSE(refused.ok());
  {
    auto tx = begin();
    ASSERT_OK(h.give_up(*tx, task("c-2"), refused.error()));
    ASSERT_OK(tx->commit());
  }
  EXPECT_EQ(stored("c-2").ehr_state, kEhrFailed);
  EXPECT_EQ(stored("c-2").ehr_error, "invalid_argument");

  // Facility B binds no EHR: nothing is called.
  const std::size_t calls = ehr_->requests().size();
  ASSERT_OK(run(h, task("c-b", kFacilityB)));
  EXPECT_EQ(ehr_->requests().size(), calls);
  EXPECT_EQ(stored("c-b", kFacilityB).ehr_state, kEhrNotConfigured);
  EXPECT_EQ(stored("c-1").ehr_state, kEhrNotSupported);
  // A task naming another facility's consultation finds no answer.
  ASSERT_OK(run(h, task("c-b", kFacilityA)));
  EXPECT_EQ(ehr_->requests().size(), calls);
}

WASL_RECORDS_INSTANTIATE(FeedbackEhrWriteTest);

}  // namespace
}  // namespace wasl::feedback
