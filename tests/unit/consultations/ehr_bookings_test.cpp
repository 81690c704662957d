// EhrBookings (hub/consultations/ehr_bookings.cpp) against a real store and
// engine, on SQLite and PostgreSQL: one live consultation per appointment.
// Two hubs settling the same booked appointment at once start one
// consultation and one run; a consultation POST /v1/consultations made for
// the appointment (which takes no booking lock) that commits while the
// booking waits on it is the booking's "booked before", never a failed or
// parked task; and of a cancelled and a live consultation of one
// appointment, the live one is the one the EHR moves.
#include "hub/consultations/ehr_bookings.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "hub/audit/audit_writer.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/jobs/task_runner.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::consultations::bookings_testing {
namespace {

using nlohmann::json;
using workflow::testing::EngineFixture;
using workflow::testing::eventually;

constexpr const char* kInstance = "ehr.fhir";
constexpr std::int64_t kStart = 1'900'000'000'000;  // the EHR's start of the appointment
constexpr std::int64_t kEarlier = 1'899'000'000'000;

// The workflow the EHR's bookings start: it waits, so its run stays.
constexpr const char* kVisitWorkflow = R"(name: visit
version: 1
trigger:
  kind: api
steps:
  - id: held
    wait_for: appointment.updated
    correlation: ${consultation.id}
    timeout: 1h
)";

// An EHR test double: every appointment read is booked at kStart for
// Patient/p-<id> with Practitioner/d-<id>; nothing else is called.
class BookedEhr final : public sdk::EhrConnector {
 public:
  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef&) override {
    return refuse();
  }
  sdk::Result<sdk::PractitionerSummary> read_practitioner(const sdk::ResourceRef&) override {
    return refuse();
  }
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef& ref) override {
    std::lock_guard lock(mutex_);
    ++reads_;
    sdk::Appointment a;
    a.id = ref.id;
    a.status = "booked";
    a.patient_id = "p-" + ref.id;
    a.practitioner_id = "d-" + ref.id;
    a.start_ms = kStart;
    // An Appointment POST /v1/consultations booked carries its key.
    if (ref.id.rfind("hub-", 0) == 0) {
      a.raw = {
          {"resourceType", "Appointment"},
          {"identifier", nlohmann::json::array({{{"system", "urn:wasl:idempotency-key"},
                                                 {"value", "wasl-booking-0123456789abcdef"}}})}};
    }
    return a;
  }
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest&) override {
    return refuse();
  }
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate&) override {
    return refuse();
  }
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest&) override {
    return refuse();
  }
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest&) override {
    return refuse();
  }
  int reads() const {
    std::lock_guard lock(mutex_);
    return reads_;
  }

 private:
  static sdk::Error refuse() {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not part of this test", false);
  }
  mutable std::mutex mutex_;
  int reads_ = 0;
};

class EhrBookingsTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
    for (const char* id : {"f1", "f2"}) {
      config::FacilityConfig& f = hub_config_.facilities[id];
      f.id = id;
      f.bindings["ehr"] = kInstance;
      f.ehr_bookings = config::FacilityEhrBookingsConfig{"visit", "doctor_patient"};
    }
    deploy(kVisitWorkflow);
    auto ring = crypto::load_keyring(scratch_.path() / "keys.json");
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), (*ring)->audit_key().view());
    ehr_ = std::make_shared<BookedEhr>();
    engine_ = &engine();
  }

  std::shared_ptr<EhrBookings> bookings() {
    return std::make_shared<EhrBookings>(
        hub_config_, *cipher_, *engine_,
        [this](const std::string& instance) -> sdk::Result<std::shared_ptr<sdk::EhrConnector>> {
          if (instance != kInstance) {
            return sdk::Error(sdk::ErrorCode::kNotFound, "no instance " + instance, false);
          }
          return std::shared_ptr<sdk::EhrConnector>(ehr_);
        },
        audit_.get());
  }

  static jobs::Task task(const std::string& facility, const std::string& appointment) {
    jobs::Task t;
    t.key = std::string(kEhrBookingTask) + "/" + facility + "/" + appointment;
    t.kind = kEhrBookingTask;
    t.payload = {
        {"facility_id", facility}, {"instance", kInstance}, {"appointment_id", appointment}};
    return t;
  }

  // A consultation of `appointment` as POST /v1/consultations makes it (a
  // run of "visit" with it), in `tx`, left for the caller to commit.
  void consultation_in(storage::Transaction& tx, const std::string& id,
                       const std::string& appointment, domain::ConsultationStatus status) {
    domain::Consultation c;
    c.id = id;
    c.facility_id = "f1";
    c.workflow_name = "visit";
    c.status = status;
    c.appointment_ref = "Appointment/" + appointment;
    c.scheduled_at = kEarlier;
    c.created_at = 1;
    c.updated_at = 1;
    ASSERT_TRUE(records::ConsultationStore(*cipher_).insert(tx, c).ok());
    workflow::StartRunRequest start;
    start.workflow = "visit";
    start.facility_id = "f1";
    start.consultation_id = id;
    start.trigger = json::object();
    auto run = engine_->start_run(tx, start);
    ASSERT_TRUE(run.ok()) << run.error().message;
  }

  std::int64_t count(const std::string& sql, const storage::Params& params = {}) {
    auto rows = query(sql, params);
    return rows.empty() ? -1 : rows[0].get_int(0).value_or(-1);
  }

  std::unique_ptr<audit::AuditWriter> audit_;
  std::shared_ptr<BookedEhr> ehr_;
  workflow::Engine* engine_ = nullptr;  // not started: the runs stay queued
};

// Two hubs' runs of the booking task of one appointment (a run taken over
// while the first still settles, each on its own store) read it from the
// EHR and settle at the same time: one consultation, one run, one
// consultation.create; the second is "booked before".
TEST_P(EhrBookingsTest, TwoHubsSettlingOneAppointmentStartOneConsultation) {
  auto second_store = db_->open();
  ASSERT_TRUE(second_store.ok()) << second_store.error().message;
  auto first = bookings();
  auto second = bookings();
  auto first_run = first->run(task("f1", "A-1"));
  auto second_run = second->run(task("f1", "A-1"));
  ASSERT_TRUE(first_run.ok()) << first_run.error().message;
  ASSERT_TRUE(second_run.ok()) << second_run.error().message;
  EXPECT_EQ(ehr_->reads(), 2);

  auto settle = [](storage::Store& store, const jobs::TaskSettlement& settlement) -> sdk::Status {
    WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadWrite));
    WASL_RETURN_IF_ERROR(settlement(*tx));
    return tx->commit();
  };
  sdk::Status other;
  std::thread thread([&] { other = settle(**second_store, *second_run); });
  sdk::Status mine = settle(*store_, *first_run);
  thread.join();
  EXPECT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_TRUE(other.ok()) << other.error().message;

  EXPECT_EQ(count("SELECT COUNT(*) FROM consultations WHERE facility_id = 'f1' AND "
                  "appointment_ref = 'Appointment/A-1'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_runs WHERE facility_id = 'f1'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'consultation.create'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM consultations WHERE scheduled_at = $1", {kStart}), 1);
}

// POST /v1/consultations named the appointment and commits while the
// booking task settles (on PostgreSQL, while its insert waits on that
// uncommitted row: the unique index refuses it and the task runs again; on
// SQLite's single writer, just before): the booking finds the POST's
// consultation, which takes the EHR's start; the task ends done, never
// failed or parked.
TEST_P(EhrBookingsTest, APostThatCommitsFirstIsTheBookingsBookedBefore) {
  jobs::TaskRunnerOptions options;
  options.max_attempts = 2;  // a second failed run would give up
  jobs::TaskRunner tasks(*store_, options);
  ASSERT_TRUE(tasks.handle(kEhrBookingTask, bookings()).ok());
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    const std::int64_t now = audit::now_epoch_ms();
    ASSERT_TRUE(jobs::JobQueue::request_task(**tx, kEhrBookingTask, task("f1", "A-2").key,
                                             task("f1", "A-2").payload, now, now)
                    .ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  auto posted = store_->begin();
  ASSERT_TRUE(posted.ok());
  consultation_in(**posted, "c-post", "A-2", domain::ConsultationStatus::kScheduled);
  sdk::Result<bool> ran = false;
  if (GetParam() == storage::Dialect::kPostgres) {
    std::thread runner([&] { ran = tasks.run_once(); });
    // The booking's insert waits on the uncommitted row of the unique index.
    const bool waiting = eventually([&] {
      return count(
                 "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND "
                 "wait_event_type = 'Lock'",
                 {db_->tag()}) > 0;
    });
    EXPECT_TRUE(waiting) << "the booking never waited on the POST's row";
    ASSERT_TRUE((*posted)->commit().ok());
    runner.join();
    // The refused insert left the transaction unusable: the run failed,
    // retryable, and the task waits for its next run.
    ASSERT_TRUE(ran.ok()) << ran.error().message;
    EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND last_error LIKE "
                    "'%Appointment/A-2 got a consultation concurrently%'",
                    {std::string(kEhrBookingTask)}),
              1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM consultations"), 1);
    exec("UPDATE jobs SET run_at = 0");
    ran = tasks.run_once();
  } else {
    ASSERT_TRUE((*posted)->commit().ok());
    ran = tasks.run_once();
  }
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_TRUE(*ran);

  EXPECT_EQ(count("SELECT COUNT(*) FROM consultations WHERE appointment_ref = 'Appointment/A-2'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_runs WHERE consultation_id = 'c-post'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_runs"), 1);
  EXPECT_EQ(count("SELECT scheduled_at FROM consultations WHERE id = 'c-post'"), kStart);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'consultation.reschedule' "
                  "AND entity_id = 'c-post'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'consultation.create'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE kind = $1", {std::string(kEhrBookingTask)}), 0);
}

// An appointment with a cancelled consultation and a live one booked again
// afterwards: the EHR's booking moves the live one and starts nothing; the
// cancelled one keeps what it had. Another facility's same appointment id
// is its own booking.
TEST_P(EhrBookingsTest, TheLiveConsultationOfAnAppointmentIsTheOneFollowed) {
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    consultation_in(**tx, "c-old", "A-3", domain::ConsultationStatus::kCancelled);
    ASSERT_TRUE((*tx)->commit().ok());
  }
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    consultation_in(**tx, "c-new", "A-3", domain::ConsultationStatus::kScheduled);
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto b = bookings();
  for (const char* facility : {"f1", "f2"}) {
    auto run = b->run(task(facility, "A-3"));
    ASSERT_TRUE(run.ok()) << run.error().message;
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto settled = (*run)(**tx);
    ASSERT_TRUE(settled.ok()) << settled.error().message;
    ASSERT_TRUE((*tx)->commit().ok());
  }
  EXPECT_EQ(count("SELECT scheduled_at FROM consultations WHERE id = 'c-new'"), kStart);
  EXPECT_EQ(count("SELECT scheduled_at FROM consultations WHERE id = 'c-old'"), kEarlier);
  EXPECT_EQ(count("SELECT COUNT(*) FROM consultations WHERE facility_id = 'f1'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM consultations WHERE facility_id = 'f2' AND "
                  "appointment_ref = 'Appointment/A-3' AND status = 'scheduled'"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_runs WHERE facility_id = 'f2'"), 1);
}

// An appointment the hub booked itself (its identifier starts
// wasl-booking-): the EHR's notification may come before the booking
// request commits its consultation; the task starts nothing, and once the
// request's consultation is there it follows that one.
TEST_P(EhrBookingsTest, AnAppointmentTheHubBookedIsLeftToItsRequest) {
  auto b = bookings();
  {
    auto run = b->run(task("f1", "hub-1"));
    ASSERT_TRUE(run.ok()) << run.error().message;
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto settled = (*run)(**tx);
    ASSERT_TRUE(settled.ok()) << settled.error().message;
    ASSERT_TRUE((*tx)->commit().ok());
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM consultations"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_runs"), 0);
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    consultation_in(**tx, "c-posted", "hub-1", domain::ConsultationStatus::kScheduled);
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto run = b->run(task("f1", "hub-1"));
  ASSERT_TRUE(run.ok()) << run.error().message;
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto settled = (*run)(**tx);
  ASSERT_TRUE(settled.ok()) << settled.error().message;
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM consultations"), 1);
  EXPECT_EQ(count("SELECT scheduled_at FROM consultations WHERE id = 'c-posted'"), kStart);
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_runs"), 1);  // the request's run alone
}

INSTANTIATE_TEST_SUITE_P(Backends, EhrBookingsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::consultations::bookings_testing
