// The observer of ehr.read_appointment (hub/consultations/appointment_start.cpp)
// against a real store, once on SQLite and once on PostgreSQL.
#include "hub/consultations/appointment_start.hpp"

#include <gtest/gtest.h>

#include <string>

#include "hub/notifications/consultation_notices.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::consultations {
namespace {

using nlohmann::json;
using workflow::HubActionContext;
using workflow::testing::EngineFixture;

class AppointmentStartTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    exec(
        "INSERT INTO consultations (id, facility_id, status, consultation_type, appointment_ref, "
        "scheduled_at, created_at, updated_at) VALUES "
        "('c1', 'f1', 'scheduled', 'standard', 'Appointment/A1', 1000, 0, 0), "
        "('c2', 'f1', 'waiting_room', 'standard', 'Appointment/A2', 1000, 0, 0)");
  }

  // Observes a read of `appointment` by consultation `consultation`'s run,
  // in a transaction of its own that commits.
  void observe(const std::string& consultation, const sdk::Result<json>& appointment) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = "f1";
    ctx.consultation_id = consultation;
    ctx.workflow = "consultation";
    ctx.step_id = "appointment";
    ctx.now_ms = 5000;
    ctx.tx = tx->get();
    ctx.store = store_.get();
    ASSERT_TRUE(
        follow_appointment_start(nullptr, ctx, json::object(), appointment, &hub_config_).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  std::int64_t scheduled_at(const std::string& consultation) {
    auto rows = query("SELECT scheduled_at FROM consultations WHERE id = $1", {consultation});
    if (rows.empty()) return -1;
    auto value = rows[0].get_int(0);
    return value.ok() ? *value : -1;
  }
};

TEST_P(AppointmentStartTest, AScheduledConsultationTakesItsAppointmentsStartFromTheEhr) {
  observe("c1", json{{"id", "A1"}, {"start_ms", 7000}});
  EXPECT_EQ(scheduled_at("c1"), 7000);
}

TEST_P(AppointmentStartTest, AnotherAppointmentAFailedReadOrNoStartChangesNothing) {
  observe("c1", json{{"id", "A9"}, {"start_ms", 7000}});
  observe("c1", sdk::Error(sdk::ErrorCode::kUnavailable, "EHR down", true));
  observe("c1", json{{"id", "A1"}, {"start_ms", 0}});
  observe("c1", json{{"id", "A1"}});
  observe("", json{{"id", "A1"}, {"start_ms", 7000}});
  EXPECT_EQ(scheduled_at("c1"), 1000);
}

TEST_P(AppointmentStartTest, AConsultationThatHasBegunKeepsItsTime) {
  observe("c2", json{{"id", "A2"}, {"start_ms", 7000}});
  EXPECT_EQ(scheduled_at("c2"), 1000);
}

// The start's move is the notices' too: the scheduled reminder follows the
// new start, and a patient already told is sent a reschedule notice.
TEST_P(AppointmentStartTest, AMovedStartMovesTheRemindersAndTellsAPatientAlreadyTold) {
  config::FacilityNotificationsConfig n;
  n.email = "notify.mail";
  hub_config_.facilities["f1"].id = "f1";
  hub_config_.facilities["f1"].notifications = n;
  exec("UPDATE consultations SET scheduled_at = $1 WHERE id = 'c1'", {std::int64_t{10'000'000}});
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    for (const char* kind : {"invitation", "reminder_1h"}) {
      ASSERT_TRUE(notifications::queue_message(**tx, hub_config_, "f1", "c1", kind, 0).ok());
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }
  exec("UPDATE notification_outbox SET state = 'sent' WHERE kind = 'invitation'");
  observe("c1", json{{"id", "A1"}, {"start_ms", 20'000'000}});
  EXPECT_EQ(scheduled_at("c1"), 20'000'000);
  auto reminder = query("SELECT due_at FROM notification_outbox WHERE kind = 'reminder_1h'");
  ASSERT_EQ(reminder.size(), 1u);
  EXPECT_EQ(*reminder[0].get_int(0), 20'000'000 - 3'600'000);
  auto notice =
      query("SELECT occurrence, state FROM notification_outbox WHERE kind = 'reschedule'");
  ASSERT_EQ(notice.size(), 1u);
  EXPECT_EQ(*notice[0].get_text(0), "20000000");
  EXPECT_EQ(*notice[0].get_text(1), "scheduled");
}

INSTANTIATE_TEST_SUITE_P(Stores, AppointmentStartTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::consultations
