// The hub's alerts in the database on both stores, with two hubs (two
// InstanceHealth objects, each with its SharedAlerts and its own Store) on
// one database: a change of an instance's state is one alert however many
// hubs see it, a dedup key raises once, a facility sees only its own alerts
// and those of the instances it binds, and alerts wait in order while the
// database refuses them.
#include "hub/alerts/shared_alerts.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hub/alerts/alert_store.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "tests/unit/storage/status_matchers.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::alerts {
namespace {

using plugin_host::InstanceAlert;
using plugin_host::InstanceHealth;
using storage::Dialect;

using Bound = std::set<std::string, std::less<>>;

const sdk::Error kUnavailable(sdk::ErrorCode::kUnavailable, "connection refused");

// One hub: its store, its alerts and the health its plugin calls record.
struct Hub {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<AlertStore> alerts;
  std::unique_ptr<SharedAlerts> shared;
  std::unique_ptr<InstanceHealth> health;
};

class SharedAlertsTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db =
        storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
  }

  std::unique_ptr<Hub> hub(SharedAlertsOptions options = {}) {
    auto h = std::make_unique<Hub>();
    auto store = db_->open();
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store.ok()) return nullptr;
    h->store = std::move(store).value();
    h->alerts = std::make_unique<AlertStore>(*h->store);
    h->shared = std::make_unique<SharedAlerts>(*h->alerts, options);
    h->health = std::make_unique<InstanceHealth>([this] { return now_ms_; });
    h->health->set_alert_sink(h->shared->sink());
    return h;
  }

  // The alerts facility `facility` binding `bound` sees, newest first.
  std::vector<InstanceAlert> seen(Hub& hub, const std::string& facility, const Bound& bound,
                                  std::int64_t after = 0) {
    EXPECT_OK(hub.shared->flush());
    auto listed = hub.alerts->list(facility, bound, after, 200);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? *listed : std::vector<InstanceAlert>{};
  }

  static std::vector<std::string> kinds(const std::vector<InstanceAlert>& alerts) {
    std::vector<std::string> out;
    for (const auto& a : alerts) out.push_back(a.kind);
    return out;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::int64_t now_ms_ = 1'800'000'000'000;
};

using Kinds = std::vector<std::string>;

TEST_P(SharedAlertsTest, TwoHubsSeeingAFailureAndTheRecoveryRaiseOneAlertEach) {
  auto a = hub();
  auto b = hub();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->health->record("ehr.main", "read_patient", &kUnavailable, 0.1);
  b->health->record("ehr.main", "read_patient", &kUnavailable, 0.1);
  ASSERT_OK(b->shared->flush());
  ASSERT_OK(a->shared->flush());
  // More failures change nothing.
  a->health->record("ehr.main", "read_patient", &kUnavailable, 0.1);
  b->health->record("ehr.main", "find_free_slots", &kUnavailable, 0.1);
  EXPECT_EQ(kinds(seen(*a, "fac-a", {"ehr.main"})), Kinds{"instance.failing"});

  now_ms_ += 1000;
  b->health->record("ehr.main", "read_patient", nullptr, 0.1);
  a->health->record("ehr.main", "read_patient", nullptr, 0.1);
  ASSERT_OK(a->shared->flush());
  const auto both = seen(*b, "fac-a", {"ehr.main"});
  EXPECT_EQ(kinds(both), (Kinds{"instance.recovered", "instance.failing"}));
  ASSERT_EQ(both.size(), 2U);
  EXPECT_GT(both[0].id, both[1].id);
  EXPECT_EQ(both[1].message, "read_patient: unavailable");
  EXPECT_EQ(both[0].at_ms, now_ms_);
}

TEST_P(SharedAlertsTest, AHubThatFindsTheInstanceHealthyEndsAFailureAnotherHubSaw) {
  auto a = hub();
  auto b = hub();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->health->record("video.main", "create_room", &kUnavailable, 0.1);
  ASSERT_OK(a->shared->flush());
  // Hub a stops for good; hub b's first call succeeds.
  b->health->record("video.main", "create_room", nullptr, 0.1);
  EXPECT_EQ(kinds(seen(*b, "fac-a", {"video.main"})),
            (Kinds{"instance.recovered", "instance.failing"}));
  // An instance nobody saw fail: its first success is no news.
  b->health->record("ehr.main", "read_patient", nullptr, 0.1);
  EXPECT_EQ(seen(*b, "fac-a", {"ehr.main"}).size(), 0U);
}

TEST_P(SharedAlertsTest, ADedupKeyRaisesOnceAcrossHubs) {
  auto a = hub();
  auto b = hub();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->health->raise("video.main", "consultation.clinician_no_show", "consultation c-1: no show",
                   {"fac-a", "step:fac-a:k-1"});
  b->health->raise("video.main", "consultation.clinician_no_show", "consultation c-1: no show",
                   {"fac-a", "step:fac-a:k-1"});
  a->health->raise("video.main", "consultation.clinician_no_show", "consultation c-1: no show",
                   {"fac-a", "step:fac-a:k-1"});
  ASSERT_OK(a->shared->flush());
  // Without a key every raise is an alert.
  b->health->raise("billing.main", "claim.unanswered", "claim q-1 queued", {"fac-a", {}});
  b->health->raise("billing.main", "claim.unanswered", "claim q-1 queued", {"fac-a", {}});
  EXPECT_EQ(kinds(seen(*b, "fac-a", {"video.main", "billing.main"})),
            (Kinds{"claim.unanswered", "claim.unanswered", "consultation.clinician_no_show"}));
}

TEST_P(SharedAlertsTest, AFacilitySeesItsOwnAlertsTheInstancesItBindsAndTheHubs) {
  auto a = hub();
  ASSERT_NE(a, nullptr);
  // A shared video instance bound by both facilities.
  a->health->record("video.shared", "create_room", &kUnavailable, 0.1);
  a->health->raise("video.shared", "consultation.clinician_no_show",
                   "consultation c-a: clinician_no_show", {"fac-a", "step:fac-a:k"});
  a->health->raise("video.shared", "consultation.clinician_no_show",
                   "consultation c-b: clinician_no_show", {"fac-b", "step:fac-b:k"});
  a->health->raise(kHubSubject, "certificate.expiring", "TLS listener certificate", {{}, "c:1"});
  a->health->record("ehr.b-only", "read_patient", &kUnavailable, 0.1);

  const auto for_a = seen(*a, "fac-a", {"video.shared"});
  ASSERT_EQ(for_a.size(), 3U);
  EXPECT_EQ(for_a[0].instance, "hub");
  EXPECT_EQ(for_a[1].message, "consultation c-a: clinician_no_show");
  EXPECT_EQ(for_a[1].facility_id, "fac-a");
  EXPECT_EQ(for_a[2].kind, "instance.failing");
  EXPECT_EQ(for_a[2].facility_id, "");

  const auto for_b = seen(*a, "fac-b", {"video.shared", "ehr.b-only"});
  ASSERT_EQ(for_b.size(), 4U);
  EXPECT_EQ(for_b[0].instance, "ehr.b-only");
  EXPECT_EQ(for_b[2].message, "consultation c-b: clinician_no_show");
  // A facility binding nothing sees the hub's own alerts only.
  EXPECT_EQ(kinds(seen(*a, "fac-c", {})), Kinds{"certificate.expiring"});
}

TEST_P(SharedAlertsTest, AfterAndLimitPageNewestFirst) {
  auto a = hub();
  ASSERT_NE(a, nullptr);
  for (int i = 0; i < 5; ++i) {
    a->health->raise("ehr.main", "claim.unanswered", "claim " + std::to_string(i), {"fac-a", {}});
  }
  const auto all = seen(*a, "fac-a", {"ehr.main"});
  ASSERT_EQ(all.size(), 5U);
  EXPECT_EQ(all[0].message, "claim 4");
  auto newer = a->alerts->list("fac-a", {"ehr.main"}, all[2].id, 1);
  ASSERT_TRUE(newer.ok());
  ASSERT_EQ(newer->size(), 1U);
  EXPECT_EQ((*newer)[0].message, "claim 4");
  EXPECT_EQ(seen(*a, "fac-a", {"ehr.main"}, all[0].id).size(), 0U);
}

TEST_P(SharedAlertsTest, AlertsWaitInOrderWhileTheDatabaseRefusesThem) {
  SharedAlertsOptions options;
  options.max_pending = 3;
  observability::Metrics metrics;
  options.metrics = &metrics;
  auto a = hub(options);
  ASSERT_NE(a, nullptr);
  {
    auto tx = a->store->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->exec("ALTER TABLE alerts RENAME TO alerts_away").ok());
    ASSERT_OK((*tx)->commit());
  }
  for (int i = 0; i < 5; ++i) {
    a->health->raise("ehr.main", "claim.unanswered", "claim " + std::to_string(i), {"fac-a", {}});
  }
  EXPECT_FALSE(a->shared->flush().ok());
  EXPECT_EQ(a->shared->pending(), 3U) << "the queue keeps the newest max_pending";
  EXPECT_NE(metrics.render().find("wasl_alerts_dropped_total 2"), std::string::npos)
      << metrics.render();
  {
    auto tx = a->store->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->exec("ALTER TABLE alerts_away RENAME TO alerts").ok());
    ASSERT_OK((*tx)->commit());
  }
  const auto written = seen(*a, "fac-a", {"ehr.main"});
  ASSERT_EQ(written.size(), 3U);
  EXPECT_EQ(written[0].message, "claim 4");
  EXPECT_EQ(written[2].message, "claim 2");
  EXPECT_EQ(a->shared->pending(), 0U);
}

TEST_P(SharedAlertsTest, TheRunnerWritesWhatWasRaisedAndOldAlertsArePurged) {
  SharedAlertsOptions options;
  options.keep = std::chrono::hours(24);
  options.now_ms = [this] { return now_ms_; };
  auto a = hub(options);
  ASSERT_NE(a, nullptr);
  a->health->raise("ehr.main", "claim.unanswered", "old claim", {"fac-a", {}});
  ASSERT_OK(a->shared->flush());
  now_ms_ += 2 * 24 * 3600 * 1000LL;
  a->health->raise("ehr.main", "claim.unanswered", "new claim", {"fac-a", {}});
  // start(): the runner's first tick writes and purges at once.
  ASSERT_OK(a->shared->start());
  std::vector<InstanceAlert> listed;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto now = a->alerts->list("fac-a", {"ehr.main"}, 0, 10);
    ASSERT_TRUE(now.ok()) << now.error().message;
    listed = *now;
    if (listed.size() == 1 && listed[0].message == "new claim") break;
    std::this_thread::yield();
  }
  a->shared->stop();
  EXPECT_EQ(a->shared->pending(), 0U);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].message, "new claim");
}

INSTANTIATE_TEST_SUITE_P(Stores, SharedAlertsTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::alerts
