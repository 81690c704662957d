// Workflows started by a hub event (hub/workflow/event_triggers.hpp) on both
// stores: started in the caller's transaction (none when it rolls back),
// with the event's ${trigger}, only for a facility that runs the workflow
// and binds its roles, and only the workflows whose trigger names the event.
#include "hub/workflow/event_triggers.hpp"

#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using storage::Dialect;

const char* kAnswer = R"(name: answer
version: 1
trigger:
  kind: event
  event: billing.information_request
steps:
  - id: read
    call: ehr.read_patient
    with:
      id: ${trigger.information_request_id}
)";

const char* kBooked = R"(name: booked
version: 1
trigger:
  kind: event
  event: appointment.updated
steps:
  - id: read
    call: ehr.read_patient
    with:
      id: ${trigger.resource_id}
)";

class EventTriggersTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    deploy(kAnswer);
    deploy(kBooked);
  }

  // Starts the runs of `event` for `facility` in a transaction committed
  // when `commit`.
  std::vector<std::string> fire(EventTriggers& triggers, const std::string& facility,
                                const std::string& event, const nlohmann::json& trigger,
                                bool commit = true) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return {};
    auto started = triggers.start_runs(**tx, facility, event, trigger);
    EXPECT_TRUE(started.ok()) << started.error().message;
    if (commit) {
      EXPECT_TRUE((*tx)->commit().ok());
    } else {
      (*tx)->rollback();
    }
    return started.ok() ? *started : std::vector<std::string>{};
  }

  std::int64_t runs_of(const std::string& workflow) {
    return *query("SELECT COUNT(*) FROM workflow_runs WHERE workflow_name = $1", {workflow})
                .front()
                .get_int(0);
  }
};

TEST_P(EventTriggersTest, AnEventStartsTheWorkflowsItTriggersInTheCallersTransaction) {
  Engine& e = engine();
  EventTriggers triggers(*definitions_, e,
                         {ScheduledFacility{"f1", "Asia/Riyadh", {}, {"ehr", "billing"}}});
  ASSERT_TRUE(e.start().ok());

  // Rolled back: no run.
  EXPECT_EQ(fire(triggers, "f1", "billing.information_request",
                 {{"information_request_id", "ir-0"}}, false)
                .size(),
            1u);
  EXPECT_EQ(runs_of("answer"), 0);

  std::vector<std::string> started =
      fire(triggers, "f1", "billing.information_request", {{"information_request_id", "ir-1"}});
  ASSERT_EQ(started.size(), 1u);
  triggers.work_available();
  RunTimeline done = wait_status(e, started[0]);
  EXPECT_EQ(done.status, "succeeded");
  auto calls = invoker_->calls_of("ehr.read_patient");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].input.value("id", ""), "ir-1");
  EXPECT_EQ(runs_of("answer"), 1);
  EXPECT_EQ(runs_of("booked"), 0);  // its trigger names another event
}

TEST_P(EventTriggersTest, OnlyAFacilityThatRunsTheWorkflowAndBindsItsRolesStartsIt) {
  Engine& e = engine();
  EventTriggers triggers(
      *definitions_, e,
      {ScheduledFacility{"f1", "Asia/Riyadh", {}, {"billing"}},  // no ehr binding
       ScheduledFacility{
           "f2", "Asia/Riyadh", {"booked"}, {"ehr", "billing"}}});  // not its workflow
  EXPECT_TRUE(fire(triggers, "f1", "billing.information_request", {}).empty());
  EXPECT_TRUE(fire(triggers, "f2", "billing.information_request", {}).empty());
  EXPECT_TRUE(fire(triggers, "no-such-facility", "billing.information_request", {}).empty());
  EXPECT_TRUE(fire(triggers, "f2", "no.such_event", {}).empty());
  EXPECT_EQ(runs_of("answer"), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, EventTriggersTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
