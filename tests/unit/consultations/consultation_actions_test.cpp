// The consultation actions (hub/consultations/consultation_actions.cpp)
// against a real store, once on SQLite and once on PostgreSQL.
#include "hub/consultations/consultation_actions.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "hub/notifications/consultation_notices.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::consultations {
namespace {

using workflow::HubActionContext;
using workflow::HubActions;
using workflow::testing::EngineFixture;

using sdk::ErrorCode;

// A Transaction that runs `interleave` once, just before the first statement
// whose text starts with `marker` goes to the store: what another
// transaction committed between the action's read and its write.
class InterleavedTransaction final : public storage::Transaction {
 public:
  InterleavedTransaction(storage::Transaction& inner, std::string marker,
                         std::function<void()> interleave)
      : inner_(inner), marker_(std::move(marker)), interleave_(std::move(interleave)) {}
  storage::Dialect dialect() const override { return inner_.dialect(); }
  sdk::Result<std::int64_t> exec(std::string_view sql, const storage::Params& p) override {
    if (interleave_ && sql.starts_with(marker_)) std::exchange(interleave_, nullptr)();
    return inner_.exec(sql, p);
  }
  sdk::Result<storage::Rows> query(std::string_view sql, const storage::Params& p) override {
    return inner_.query(sql, p);
  }
  sdk::Status exec_script(std::string_view sql) override { return inner_.exec_script(sql); }
  sdk::Status commit() override { return inner_.commit(); }
  void rollback() noexcept override { inner_.rollback(); }
  bool interleaved() const { return !interleave_; }

 private:
  storage::Transaction& inner_;
  std::string marker_;
  std::function<void()> interleave_;
};

class ConsultationActionsTest : public EngineFixture {
 protected:
  HubActionContext context(storage::Transaction& tx, const std::string& consultation) {
    HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = "f1";
    ctx.consultation_id = consultation;
    ctx.workflow = "consultation";
    ctx.step_id = "session";
    ctx.idempotency_key = "run-1/session/1";
    ctx.now_ms = 1000;
    ctx.tx = &tx;
    ctx.store = store_.get();
    return ctx;
  }

  std::string status_of(const std::string& consultation) {
    auto rows = query("SELECT status FROM consultations WHERE id = $1", {consultation});
    return rows.empty() ? "" : *rows[0].get_text(0);
  }
};

// hub.set_status reads the consultation, then writes its new status. A cancel
// committed in between (the API's POST /cancel) must survive: on PostgreSQL
// it is a second connection committing while the action's transaction is
// open (READ COMMITTED lets the UPDATE see it); on SQLite, whose writers are
// serialised, the cancel's write lands inside the action's transaction at
// that same moment.
TEST_P(ConsultationActionsTest, SetStatusKeepsACancelCommittedBetweenItsReadAndWrite) {
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
      "updated_at) VALUES ('c1', 'f1', 'waiting_room', 'standard', 0, 0)");
  const std::string cancel =
      "UPDATE consultations SET status = 'cancelled', updated_at = 2 WHERE facility_id = 'f1' "
      "AND id = 'c1'";
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  InterleavedTransaction racing(**tx, "UPDATE consultations SET status", [&] {
    if (GetParam() == storage::Dialect::kPostgres) {
      exec(cancel);  // its own connection, committed
    } else {
      ASSERT_TRUE((*tx)->exec(cancel).ok());
    }
  });
  const HubActions::Entry* set_status = actions_.find("hub.set_status");
  ASSERT_NE(set_status, nullptr);
  auto out = set_status->action(context(racing, "c1"), {{"status", "in_session"}});
  ASSERT_TRUE(racing.interleaved()) << "the action never wrote the status";
  ASSERT_FALSE(out.ok()) << out->dump();
  EXPECT_EQ(out.error().code, ErrorCode::kFailedPrecondition) << out.error().message;
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(status_of("c1"), "cancelled");
}

TEST_P(ConsultationActionsTest, SetStatusChangesTheStatusItRead) {
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
      "updated_at) VALUES ('c1', 'f1', 'waiting_room', 'standard', 0, 0)");
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto out =
      actions_.find("hub.set_status")->action(context(**tx, "c1"), {{"status", "in_session"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ((*out)["previous_status"], "waiting_room");
  ASSERT_TRUE((*tx)->commit().ok());
  EXPECT_EQ(status_of("c1"), "in_session");
}

// The run's facility is part of every read and write: a consultation id of
// another facility is not found and keeps its status.
TEST_P(ConsultationActionsTest, SetStatusNeverReachesAnotherFacilitysConsultation) {
  exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
      "updated_at) VALUES ('c2', 'f2', 'waiting_room', 'standard', 0, 0)");
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto out =
      actions_.find("hub.set_status")->action(context(**tx, "c2"), {{"status", "cancelled"}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kNotFound);
  (*tx)->rollback();
  EXPECT_EQ(status_of("c2"), "waiting_room");
}

// With room_id, the consultation is bound to that room of the run's video
// instance (kept from the run's start), whatever the facility binds now.
TEST_P(ConsultationActionsTest, SetStatusWithARoomBindsTheConsultationToTheRunsVideoInstance) {
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, created_at, "
      "updated_at) VALUES ('c1', 'f1', 'scheduled', 'standard', 0, 0)");
  hub_config_.facilities["f1"].bindings["video"] = "video.now";
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  HubActionContext ctx = context(**tx, "c1");
  ctx.bindings = {{"video", "video.kept"}};
  auto out = actions_.find("hub.set_status")
                 ->action(ctx, {{"status", "waiting_room"}, {"room_id", "RM123"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_TRUE((*tx)->commit().ok());
  auto rows = query("SELECT status, video_instance, video_room_id FROM consultations WHERE id = $1",
                    {std::string("c1")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows[0].get_text("status"), "waiting_room");
  EXPECT_EQ(*rows[0].get_text("video_instance"), "video.kept");
  EXPECT_EQ(*rows[0].get_text("video_room_id"), "RM123");
}

// hub.set_status cancelled withdraws the consultation's scheduled messages
// and tells a patient already told, in the step's transaction; a second
// cancellation queues nothing more.
TEST_P(ConsultationActionsTest, SetStatusCancelledWithdrawsTheNoticesAndTellsThePatient) {
  config::FacilityNotificationsConfig n;
  n.sms = "notify.sms";
  hub_config_.facilities["f1"].id = "f1";
  hub_config_.facilities["f1"].notifications = n;
  exec(
      "INSERT INTO consultations (id, facility_id, status, consultation_type, scheduled_at, "
      "created_at, updated_at) VALUES ('c1', 'f1', 'waiting_room', 'standard', 90000000, 0, 0)");
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    for (const char* kind : {"invitation", "reminder_1h"}) {
      ASSERT_TRUE(notifications::queue_message(**tx, hub_config_, "f1", "c1", kind, 0).ok());
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }
  exec("UPDATE notification_outbox SET state = 'sent' WHERE kind = 'invitation'");
  for (int i = 0; i < 2; ++i) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto out = actions_.find("hub.set_status")
                   ->action(context(**tx, "c1"), {{"status", "cancelled"}, {"reason", "other"}});
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto states = query("SELECT kind, state FROM notification_outbox ORDER BY kind");
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(*states[0].get_text(0), "cancellation");
  EXPECT_EQ(*states[0].get_text(1), "scheduled");
  EXPECT_EQ(*states[1].get_text(0), "invitation");
  EXPECT_EQ(*states[1].get_text(1), "sent");
  EXPECT_EQ(*states[2].get_text(0), "reminder_1h");
  EXPECT_EQ(*states[2].get_text(1), "cancelled");
}

INSTANTIATE_TEST_SUITE_P(Stores, ConsultationActionsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::consultations
