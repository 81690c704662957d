// RunRepository (hub/workflow/run_repository.cpp): every change of a run
// names its facility in the statement, so a run id paired with another
// facility changes nothing. Once on SQLite, once on PostgreSQL.
#include "hub/workflow/run_repository.hpp"

#include <gtest/gtest.h>

#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

class RunRepositoryTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
    exec(
        "INSERT INTO workflow_runs (id, facility_id, workflow_name, workflow_version, status, "
        "current_step, wait_event, wait_correlation, created_at, updated_at) VALUES "
        "('run-1', 'f1', 'waits', 1, 'waiting', 'ended', 'room.ended', 'room-1', 1, 1)");
    repository_ = std::make_unique<RunRepository>(GetParam(), *definitions_, nullptr);
  }

  std::string run_row() {
    auto rows = query(
        "SELECT status, COALESCE(error, ''), COALESCE(failed_step, ''), updated_at "
        "FROM workflow_runs WHERE id = 'run-1'");
    if (rows.empty()) return "";
    return *rows[0].get_text(0) + "|" + *rows[0].get_text(1) + "|" + *rows[0].get_text(2) + "|" +
           std::to_string(*rows[0].get_int(3));
  }

  std::unique_ptr<RunRepository> repository_;
};

TEST_P(RunRepositoryTest, ARunIdWithAnotherFacilityChangesNothing) {
  RunState elsewhere;
  elsewhere.id = "run-1";
  elsewhere.facility_id = "f2";
  const std::string before = run_row();
  ASSERT_EQ(before, "waiting|||1");
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto resumed = repository_->resume_waiting(**tx, {FacilityRun{"f2", "run-1"}}, 5);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->empty());
  EXPECT_TRUE(repository_->set_ended(**tx, elsewhere, "failed", "moved", 5).ok());
  EXPECT_TRUE(repository_->set_failed_step(**tx, elsewhere, "ended").ok());
  EXPECT_TRUE(repository_->set_cancelling(**tx, "f2", "run-1", 5).ok());
  EXPECT_TRUE(repository_->set_retrying(**tx, elsewhere, 5).ok());
  EXPECT_TRUE(repository_->set_running_at(**tx, elsewhere, "ended", 5).ok());
  auto failed = repository_->failed_step(**tx, elsewhere);
  ASSERT_TRUE(failed.ok());
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(run_row(), before);

  auto own = store_->begin();
  ASSERT_TRUE(own.ok());
  resumed = repository_->resume_waiting(**own, {FacilityRun{"f1", "run-1"}}, 6);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(*resumed, std::set<std::string>{"run-1"});
  ASSERT_TRUE((*own)->commit().ok());
  EXPECT_EQ(run_row(), "running|||6");
}

// Keys looked up together each get their own facility's run, and a run that
// matches parts of two keys (the type of one, the correlation of another)
// is nobody's.
TEST_P(RunRepositoryTest, RunsWaitingAreFoundForTheirWholeKeyOnly) {
  exec(
      "INSERT INTO workflow_runs (id, facility_id, workflow_name, workflow_version, status, "
      "current_step, wait_event, wait_correlation, created_at, updated_at) VALUES "
      "('run-2', 'f1', 'waits', 1, 'waiting', 'joined', 'participant.connected', 'room-1', 2, 2), "
      "('run-3', 'f2', 'waits', 1, 'waiting', 'ended', 'room.ended', 'room-1', 3, 3)");
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto found = repository_->find_waiting(**tx, {WaitKey{"f1", "room.ended", "room-1"},
                                                WaitKey{"f1", "participant.connected", "room-2"},
                                                WaitKey{"f2", "room.ended", "room-1"}});
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->size(), 3u);
  ASSERT_TRUE((*found)[0].has_value());
  EXPECT_EQ((*found)[0]->run_id, "run-1");
  EXPECT_EQ((*found)[0]->step_id, "ended");
  EXPECT_FALSE((*found)[1].has_value());
  ASSERT_TRUE((*found)[2].has_value());
  EXPECT_EQ((*found)[2]->run_id, "run-3");

  auto resumed = repository_->resume_waiting(
      **tx, {FacilityRun{"f2", "run-1"}, FacilityRun{"f2", "run-3"}}, 9);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(*resumed, std::set<std::string>{"run-3"});
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(run_row(), "waiting|||1");
}

// A provider's error may quote what it was sent: the text stored in clear
// (workflow_steps.error_message, workflow_runs.error) carries no identity
// number, phone or e-mail, and no value of a PHI member the domain types
// declare (a participant's display_name included).
TEST_P(RunRepositoryTest, ErrorTextIsStoredRedacted) {
  const std::string error =
      R"(the EHR refused {"display_name":"Dr. Leaked","name":"فاطمة","phone":"0501234567"} )"
      "for patient 1098765432, write to leak@example.org";
  exec(
      "INSERT INTO workflow_steps (id, run_id, step_id, attempt, status, started_at) VALUES "
      "('step-1', 'run-1', 'ended', 1, 'running', 1)");
  RunState run;
  run.id = "run-1";
  run.facility_id = "f1";
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  const sdk::Error failure(sdk::ErrorCode::kInvalidArgument, error, false);
  ASSERT_TRUE(repository_->finish_attempt(**tx, "step-1", "failed", 5, nullptr, &failure).ok());
  ASSERT_TRUE(repository_->set_ended(**tx, run, "failed", error, 5).ok());
  ASSERT_TRUE((*tx)->commit().ok());
  auto rows = query(
      "SELECT s.error_message, r.error FROM workflow_steps s JOIN workflow_runs r "
      "ON r.id = s.run_id WHERE s.id = 'step-1'");
  ASSERT_EQ(rows.size(), 1u);
  for (int column : {0, 1}) {
    const std::string stored = *rows[0].get_text(column);
    SCOPED_TRACE(stored);
    for (const char* phi :
         {"Dr. Leaked", "فاطمة", "0501234567", "1098765432", "leak@example.org"}) {
      EXPECT_EQ(stored.find(phi), std::string::npos) << phi;
    }
    EXPECT_NE(stored.find("the EHR refused"), std::string::npos);
    EXPECT_NE(stored.find("[redacted:display_name]"), std::string::npos);
  }
}
// Attempts settled, runs ended and jobs removed together (a round of
// delivered events): each row gets its own values, a run paired with
// another facility or a job whose lease changed hands fails the statement.
TEST_P(RunRepositoryTest, RowsSettledTogetherGetEachTheirOwnValues) {
  exec(
      "INSERT INTO workflow_runs (id, facility_id, workflow_name, workflow_version, status, "
      "current_step, created_at, updated_at) VALUES "
      "('run-2', 'f1', 'waits', 1, 'running', 'ended', 2, 2)");
  exec(
      "INSERT INTO workflow_steps (id, run_id, step_id, attempt, status, started_at) VALUES "
      "('step-1', 'run-1', 'ended', 1, 'waiting', 1), "
      "('step-2', 'run-2', 'ended', 1, 'running', 2)");
  exec(
      "INSERT INTO jobs (id, kind, run_id, run_at, lease_owner, created_at) VALUES "
      "('job-1', 'workflow.wait', 'run-1', 1, 'token-1', 1), "
      "('job-2', 'workflow.call', 'run-2', 2, 'token-2', 2)");
  RunState one;
  one.id = "run-1";
  one.facility_id = "f1";
  RunState two = one;
  two.id = "run-2";
  RunState elsewhere = one;
  elsewhere.facility_id = "f2";
  const sdk::Error failure(sdk::ErrorCode::kUnavailable, "the EHR did not answer", true);
  const nlohmann::json output = {{"room", "room-1"}};

  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  EXPECT_FALSE(
      repository_->set_ended_all(**tx, {RunRepository::ended_run(elsewhere, "failed", "moved", 5)})
          .ok());
  (*tx)->rollback();
  EXPECT_EQ(run_row(), "waiting|||1");

  tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto lost = jobs::JobQueue::remove(
      **tx, {jobs::HeldJob{"job-1", "token-1"}, jobs::HeldJob{"job-2", "other"}});
  ASSERT_TRUE(lost.ok()) << lost.error().message;
  EXPECT_FALSE(*lost);
  (*tx)->rollback();

  tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto settled = repository_->settled_attempt("step-1", "succeeded", 7, &output, nullptr);
  auto failed = repository_->settled_attempt("step-2", "failed", 8, nullptr, &failure);
  ASSERT_TRUE(settled.ok() && failed.ok());
  ASSERT_TRUE(repository_->finish_attempts(**tx, {*settled, *failed}).ok());
  auto ended = repository_->set_ended_all(
      **tx, {RunRepository::ended_run(one, "succeeded", "", 7),
             RunRepository::ended_run(two, "failed", "step 'ended' failed", 8)});
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  auto removed = jobs::JobQueue::remove(
      **tx, {jobs::HeldJob{"job-1", "token-1"}, jobs::HeldJob{"job-2", "token-2"}});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(*removed);
  ASSERT_TRUE((*tx)->commit().ok());

  EXPECT_EQ(run_row(), "succeeded|||7");
  auto runs = query(
      "SELECT status, error, finished_at, wait_event FROM workflow_runs "
      "WHERE id = 'run-2'");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(*runs[0].get_text(0), "failed");
  EXPECT_EQ(*runs[0].get_text(1), "step 'ended' failed");
  EXPECT_EQ(*runs[0].get_int(2), 8);
  auto steps = query(
      "SELECT id, status, finished_at, output_enc, error_code, error_message "
      "FROM workflow_steps ORDER BY id");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(*steps[0].get_text(1), "succeeded");
  EXPECT_EQ(*steps[0].get_int(2), 7);
  auto decoded = repository_->decode(steps[0], "output_enc", "workflow_steps", "step-1");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, output);
  EXPECT_TRUE(steps[0].is_null(4));
  EXPECT_EQ(*steps[1].get_text(1), "failed");
  EXPECT_EQ(*steps[1].get_int(2), 8);
  EXPECT_TRUE(steps[1].is_null(3));
  EXPECT_EQ(*steps[1].get_text(4), "unavailable");
  EXPECT_EQ(*steps[1].get_text(5), "the EHR did not answer");
  EXPECT_TRUE(query("SELECT id FROM jobs").empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, RunRepositoryTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
