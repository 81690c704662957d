// The alert rules on the hub's own tables (hub/alerts/alert_rules.hpp) on
// both stores, written through the AlertStore as the hub writes them: a
// facility's failed-run rate and its new dead letters are one alert per
// change, about that facility only, whichever of two hubs evaluates; a
// missed schedule is raised once per period after its facility's grace; an
// EHR silent past its heartbeat (webhooks::WebhookContacts, shared by the
// hubs) is ehr.silent, and heard again, ehr.heard.
#include "hub/alerts/alert_rules.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "hub/alerts/alert_store.hpp"
#include "hub/webhooks/webhook_contacts.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::alerts {
namespace {

using plugin_host::InstanceAlert;
using records::testing::kFacilityA;
using records::testing::kFacilityB;
using storage::Blob;
using namespace std::chrono_literals;

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kStart = 1'800'000'000'000;

class AlertRulesTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    auto second = db_->open();
    ASSERT_TRUE(second.ok()) << second.error().message;
    second_store_ = std::move(second).value();
    config_.facilities[kFacilityA].id = kFacilityA;
    config_.facilities[kFacilityA].bindings["ehr"] = "ehr.a";
    config_.facilities[kFacilityB].id = kFacilityB;
    config_.facilities[kFacilityB].bindings["ehr"] = "ehr.b";
    alerts_ = std::make_unique<AlertStore>(*store_);
  }

  // One hub's rules, on `store` (the test's, or a second hub's own).
  std::unique_ptr<AlertRules> rules(storage::Store& store, webhooks::WebhookContacts* contacts,
                                    std::vector<workflow::OverdueSchedule>* overdue = nullptr) {
    AlertRuleServices services;
    services.store = &store;
    services.now_ms = [this] { return now_; };
    if (contacts != nullptr) {
      services.last_heard = [contacts](const std::vector<std::string>& instances) {
        return contacts->last_heard(instances);
      };
    }
    if (overdue != nullptr) {
      services.overdue = [overdue](std::chrono::milliseconds) {
        return sdk::Result<std::vector<workflow::OverdueSchedule>>(*overdue);
      };
    }
    return std::make_unique<AlertRules>(config_, std::move(services));
  }

  // Evaluates `r` and records what it raised: the alerts that were news, as
  // "<facility> <kind>".
  std::vector<std::string> evaluate(AlertRules& r) {
    auto raised = r.evaluate();
    EXPECT_TRUE(raised.ok()) << raised.error().message;
    std::vector<std::string> news;
    if (!raised.ok()) return news;
    for (const InstanceAlert& a : *raised) {
      auto id = alerts_->record(a);
      EXPECT_TRUE(id.ok()) << id.error().message;
      if (id.ok() && id->has_value()) news.push_back(a.facility_id + " " + a.kind);
    }
    return news;
  }

  std::string message_of(const std::string& kind) {
    auto tx = begin();
    auto rows = tx->query("SELECT message FROM alerts WHERE kind = $1 ORDER BY id DESC", {kind});
    EXPECT_TRUE(rows.ok() && !rows->empty());
    return rows.ok() && !rows->empty() ? *rows->front().get_text(0) : std::string();
  }

  void ended_run(const std::string& id, const std::string& facility, const std::string& status,
                 std::int64_t ended_at) {
    exec_raw(
        "INSERT INTO workflow_runs (id, facility_id, workflow_name, workflow_version, status, "
        "created_at, updated_at, finished_at) VALUES ($1, $2, 'consultation', 1, $3, 1, $4, $4)",
        {id, facility, status, ended_at});
  }

  void inbox(const std::string& id, const std::string& facility, const std::string& state,
             std::int64_t at) {
    exec_raw(
        "INSERT INTO inbox (id, instance, dedupe_key, facility_id, received_at, body_enc, state) "
        "VALUES ($1, 'ehr.a', $1, $2, $3, $4, $5)",
        {id, facility, at, Blob{"{}"}, state});
  }

  void billing(const std::string& id, const std::string& facility, const std::string& state,
               std::int64_t at) {
    exec_raw(
        "INSERT INTO billing_messages (id, facility_id, message_id, event, state, message_enc, "
        "received_at, updated_at) VALUES ($1, $2, $1, 'claim-response', $3, $4, $5, $5)",
        {id, facility, state, Blob{"x"}, at});
  }

  config::Config config_;
  std::unique_ptr<storage::Store> second_store_;
  std::unique_ptr<AlertStore> alerts_;
  std::int64_t now_ = kStart;
};

TEST_P(AlertRulesTest, AFailedRunRateIsOneAlertPerChangeForItsFacilityOnly) {
  // A: 2 of 6 runs ended in the last 15 minutes failed (33% > 20%, 6 >= 5).
  for (int i = 0; i < 4; ++i)
    ended_run("a-ok-" + std::to_string(i), kFacilityA, "succeeded", now_ - kMinute);
  ended_run("a-failed-1", kFacilityA, "failed", now_ - kMinute);
  ended_run("a-failed-2", kFacilityA, "failed", now_ - 2 * kMinute);
  ended_run("a-old-failed", kFacilityA, "failed", now_ - 20 * kMinute);  // out of the window
  // B: 1 of 10 failed.
  for (int i = 0; i < 9; ++i)
    ended_run("b-ok-" + std::to_string(i), kFacilityB, "succeeded", now_ - kMinute);
  ended_run("b-failed", kFacilityB, "failed", now_ - kMinute);

  auto hub1 = rules(*store_, nullptr);
  auto hub2 = rules(*second_store_, nullptr);
  EXPECT_EQ(evaluate(*hub1), std::vector<std::string>{std::string(kFacilityA) + " runs.failing"});
  EXPECT_EQ(message_of("runs.failing"),
            "2 of 6 runs ended in the last 15m failed (33%; alert above 20% of at least 5)");
  // The condition holds: neither hub raises it again.
  EXPECT_TRUE(evaluate(*hub2).empty());
  EXPECT_TRUE(evaluate(*hub1).empty());

  // A's facility sets its own threshold: 40% is not crossed by 33%.
  config_.facilities[kFacilityA].alerts.rules.failed_runs_percent = 40;
  auto stricter = rules(*store_, nullptr);
  EXPECT_EQ(evaluate(*stricter),
            std::vector<std::string>{std::string(kFacilityA) + " runs.recovered"});
  config_.facilities[kFacilityA].alerts.rules.failed_runs_percent = 20;

  // 20 minutes on those runs are out of the window; five new failures are
  // a new change, and their passing another.
  now_ += 20 * kMinute;
  auto again = rules(*store_, nullptr);
  EXPECT_TRUE(evaluate(*again).empty());
  for (int i = 0; i < 5; ++i) ended_run("a-new-" + std::to_string(i), kFacilityA, "failed", now_);
  EXPECT_EQ(evaluate(*again), std::vector<std::string>{std::string(kFacilityA) + " runs.failing"});
  now_ += 20 * kMinute;
  EXPECT_EQ(evaluate(*hub2), std::vector<std::string>{std::string(kFacilityA) + " runs.recovered"});

  // Facility B's operators never see A's condition.
  auto seen_by_b = alerts_->list(kFacilityB, {}, 0, 100);
  ASSERT_TRUE(seen_by_b.ok());
  EXPECT_TRUE(seen_by_b->empty());
  auto seen_by_a = alerts_->list(kFacilityA, {}, 0, 100);
  ASSERT_TRUE(seen_by_a.ok());
  EXPECT_EQ(seen_by_a->size(), 4u);
}

TEST_P(AlertRulesTest, NewDeadLettersOfEveryKindCountAgainstTheFacilitysThreshold) {
  config_.facilities[kFacilityA].alerts.rules.failed_runs_minimum = 1000;  // only dead letters
  config_.facilities[kFacilityB].alerts.rules.failed_runs_minimum = 1000;
  config_.facilities[kFacilityA].alerts.rules.dead_letters_count = 6;
  for (int i = 0; i < 2; ++i)
    ended_run("a-failed-" + std::to_string(i), kFacilityA, "failed", now_ - kMinute);
  inbox("a-unmatched", kFacilityA, "unmatched", now_ - kMinute);
  inbox("a-parked", kFacilityA, "parked", now_ - kMinute);
  inbox("a-dispatched", kFacilityA, "dispatched", now_ - kMinute);   // not a dead letter
  inbox("a-old-parked", kFacilityA, "parked", now_ - 61 * kMinute);  // out of the window
  billing("a-error", kFacilityA, "error", now_ - kMinute);
  // B's dead letters never count for A.
  for (int i = 0; i < 5; ++i)
    inbox("b-parked-" + std::to_string(i), kFacilityB, "parked", now_ - kMinute);

  auto hub = rules(*store_, nullptr);
  EXPECT_TRUE(evaluate(*hub).empty());  // A: 5 of 6; B: 5 of 10
  billing("a-unreadable", kFacilityA, "unreadable", now_);
  EXPECT_EQ(evaluate(*hub),
            std::vector<std::string>{std::string(kFacilityA) + " dead_letters.growing"});
  EXPECT_EQ(message_of("dead_letters.growing"),
            "6 new dead letters in the last 1h (2 failed runs, 2 unmatched or parked webhooks, "
            "2 billing messages in error; alert at 6)");
  EXPECT_TRUE(evaluate(*hub).empty());
  now_ += 61 * kMinute;
  EXPECT_EQ(evaluate(*hub),
            std::vector<std::string>{std::string(kFacilityA) + " dead_letters.settled"});
}

TEST_P(AlertRulesTest, AMissedScheduleIsRaisedOncePerPeriodAfterItsFacilitysGrace) {
  config_.facilities[kFacilityB].alerts.rules.schedule_grace = 6h;
  std::vector<workflow::OverdueSchedule> overdue{
      {"moh-daily", kFacilityA, "2027-01-14", now_ - 3 * 3600 * 1000, "run-1", "failed"},
      {"moh-daily", kFacilityB, "2027-01-14", now_ - 3 * 3600 * 1000, "", ""}};
  auto hub1 = rules(*store_, nullptr, &overdue);
  auto hub2 = rules(*second_store_, nullptr, &overdue);
  // A starting hub asks about schedules from five minutes on.
  EXPECT_TRUE(evaluate(*hub1).empty());
  EXPECT_TRUE(evaluate(*hub2).empty());
  now_ += 5 * kMinute;
  // A's grace (2h) has passed, B's (6h) not yet.
  EXPECT_EQ(evaluate(*hub1),
            std::vector<std::string>{std::string(kFacilityA) + " schedule.missed"});
  EXPECT_EQ(
      message_of("schedule.missed"),
      "workflow moh-daily, period 2027-01-14 (due 2027-01-15T05:00:00.000Z): run run-1 failed");
  EXPECT_TRUE(evaluate(*hub2).empty());
  now_ += 4 * 3600 * 1000;
  EXPECT_EQ(evaluate(*hub2),
            std::vector<std::string>{std::string(kFacilityB) + " schedule.missed"});
  EXPECT_EQ(message_of("schedule.missed"),
            "workflow moh-daily, period 2027-01-14 (due 2027-01-15T05:00:00.000Z): no run started");
  EXPECT_TRUE(evaluate(*hub1).empty());
}

TEST_P(AlertRulesTest, AnEhrSilentPastItsHeartbeatIsAnAlertUntilItIsHeardAgain) {
  config_.facilities[kFacilityA].alerts.rules.ehr_heartbeat = 10min;  // B's is not watched
  webhooks::WebhookContacts contacts1(*store_);
  webhooks::WebhookContacts contacts2(*second_store_);
  auto hub1 = rules(*store_, &contacts1);
  auto hub2 = rules(*second_store_, &contacts2);

  // Never heard from: the heartbeat counts from when the hub began watching.
  EXPECT_TRUE(evaluate(*hub1).empty());
  EXPECT_TRUE(evaluate(*hub2).empty());
  now_ += 11 * kMinute;
  EXPECT_EQ(evaluate(*hub1), std::vector<std::string>{std::string(kFacilityA) + " ehr.silent"});
  EXPECT_TRUE(evaluate(*hub2).empty());

  // A heartbeat reaches the second hub; the first hub sees it.
  contacts2.heard("ehr.a", now_);
  EXPECT_EQ(evaluate(*hub1), std::vector<std::string>{std::string(kFacilityA) + " ehr.heard"});
  // The contact is written once per 10 s per hub; a later one from another hub moves it on.
  contacts2.heard("ehr.a", now_ + 5000);
  contacts1.heard("ehr.a", now_ + 6000);
  auto heard = contacts1.last_heard({"ehr.a", "ehr.b"});
  ASSERT_TRUE(heard.ok()) << heard.error().message;
  EXPECT_EQ(heard->size(), 1u);
  EXPECT_EQ(heard->at("ehr.a"), now_ + 6000);
  webhooks::WebhookContacts contacts3(*store_);
  contacts3.heard("ehr.a", now_ + 1000);  // an older time never moves it back
  EXPECT_EQ(contacts1.last_heard({"ehr.a"})->at("ehr.a"), now_ + 6000);

  now_ += 10 * kMinute;
  EXPECT_TRUE(evaluate(*hub2).empty());  // 9m54s since
  now_ += kMinute;
  EXPECT_EQ(evaluate(*hub2), std::vector<std::string>{std::string(kFacilityA) + " ehr.silent"});
  EXPECT_NE(message_of("ehr.silent").find("nothing heard from ehr.a since "), std::string::npos);
}

WASL_RECORDS_INSTANTIATE(AlertRulesTest);

}  // namespace
}  // namespace wasl::alerts
