// The observer of ehr.read_appointment (hub/consultations/appointment_start.cpp)
// against a real store, once on SQLite and once on PostgreSQL.
#include "hub/consultations/appointment_start.hpp"

#include <gtest/gtest.h>

#include <string>

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
    ASSERT_TRUE(follow_appointment_start(nullptr, ctx, json::object(), appointment).ok());
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

INSTANTIATE_TEST_SUITE_P(Stores, AppointmentStartTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::consultations
