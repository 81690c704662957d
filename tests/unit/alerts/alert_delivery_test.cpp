// AlertDelivery on both stores, against a real HTTP receiver on loopback
// that verifies each Standard Webhooks signature: each alert reaches the
// targets of the facilities it concerns and no other facility's, once even
// with two hubs sending at once, in order per target, retried with backoff
// while a target fails (the others go on), and given up after a day; an
// e-mail target goes through the facility's notifier, and an address it
// refuses fails at once.
#include "hub/alerts/alert_delivery.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/alerts/alert_routing.hpp"
#include "hub/alerts/alert_store.hpp"
#include "tests/unit/alerts/alert_receiver.hpp"
#include "tests/unit/storage/status_matchers.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::alerts {
namespace {

using nlohmann::json;
using plugin_host::InstanceAlert;
using storage::Dialect;
using testing::Received;
using testing::Receiver;

const std::string kSecretA = "whsec_" + std::string("c2VjcmV0LW9mLWZhY2lsaXR5LWEtMTIz");
const std::string kSecretB = "whsec_" + std::string("c2VjcmV0LW9mLWZhY2lsaXR5LWItNDU2");
constexpr std::int64_t kStart = 1'800'000'000'000;

class AlertDeliveryTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db =
        storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    // A binds ehr.a and the shared video instance, sends to /a; B binds
    // ehr.b and the shared instance, sends to /b and an Alertmanager.
    config::FacilityConfig a;
    a.bindings = {{"ehr", "ehr.a"}, {"video", "video.shared"}};
    a.alerts.webhooks["ops"] =
        config::AlertWebhookConfig{receiver_.url("/a"), config::Secret(kSecretA), 1};
    config::FacilityConfig b;
    b.bindings = {{"ehr", "ehr.b"}, {"video", "video.shared"}};
    b.alerts.webhooks["ops"] =
        config::AlertWebhookConfig{receiver_.url("/b"), config::Secret(kSecretB), 1};
    b.alerts.alertmanager_url = receiver_.url("/am/");
    config_.facilities["fac-a"] = a;
    config_.facilities["fac-b"] = b;
    routing_ = std::make_unique<AlertRouting>(config_);
  }

  struct Hub {
    std::unique_ptr<storage::Store> store;
    std::unique_ptr<AlertStore> alerts;
    std::unique_ptr<AlertDelivery> delivery;
  };

  std::unique_ptr<Hub> hub() {
    auto h = std::make_unique<Hub>();
    auto store = db_->open();
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store.ok()) return nullptr;
    h->store = std::move(store).value();
    h->alerts = std::make_unique<AlertStore>(
        *h->store, [this](const InstanceAlert& alert) { return routing_->route(alert); });
    AlertDeliveryOptions options;
    options.now_ms = [this] { return now_ms_.load(); };
    options.send_email = send_email_;
    auto delivery = AlertDelivery::create(*h->alerts, config_, options);
    EXPECT_TRUE(delivery.ok()) << delivery.error().message;
    if (!delivery.ok()) return nullptr;
    h->delivery = std::move(delivery).value();
    return h;
  }

  std::int64_t raise(Hub& hub, const std::string& instance, const std::string& facility,
                     const std::string& message) {
    InstanceAlert alert;
    alert.instance = instance;
    alert.facility_id = facility;
    alert.kind = "claim.unanswered";
    alert.message = message;
    alert.at_ms = now_ms_.load();
    auto id = hub.alerts->record(alert);
    EXPECT_TRUE(id.ok() && id->has_value());
    return id.ok() && id->has_value() ? **id : 0;
  }

  static std::vector<std::string> messages(const std::vector<Received>& received) {
    std::vector<std::string> out;
    for (const auto& r : received) {
      out.push_back(r.body.is_object() ? r.body["data"].value("message", "")
                                       : r.body[0]["annotations"].value("summary", ""));
    }
    return out;
  }

  Receiver receiver_{{{"/a", kSecretA}, {"/a/down", kSecretA}, {"/b", kSecretB}}};
  config::Config config_;
  std::function<sdk::Status(const std::string&, const sdk::Notification&)> send_email_;
  std::unique_ptr<AlertRouting> routing_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::atomic<std::int64_t> now_ms_{kStart};
};

using Messages = std::vector<std::string>;

TEST_P(AlertDeliveryTest, EachAlertReachesTheTargetsOfItsFacilitiesOnlySigned) {
  auto h = hub();
  ASSERT_NE(h, nullptr);
  const std::int64_t about_a = raise(*h, "video.shared", "fac-a", "consultation c-a");
  raise(*h, "ehr.b", "", "ehr.b failing");
  raise(*h, kHubSubject, "", "listener certificate");
  raise(*h, "video.shared", "", "video.shared failing");
  raise(*h, "ehr.unbound", "", "nobody's");
  auto pass = h->delivery->run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->delivered, 9);

  const auto to_a = receiver_.at("/a");
  EXPECT_EQ(messages(to_a),
            (Messages{"consultation c-a", "listener certificate", "video.shared failing"}));
  for (const auto& r : to_a) EXPECT_TRUE(r.verified) << r.body;
  EXPECT_EQ(to_a[0].id, "alert_" + std::to_string(about_a));
  EXPECT_EQ(to_a[0].body["type"], "alert");
  EXPECT_EQ(to_a[0].body["data"]["facility"], "fac-a");
  EXPECT_EQ(to_a[0].body["data"]["kind"], "claim.unanswered");
  EXPECT_EQ(to_a[0].body["data"]["instance"], "video.shared");

  const auto to_b = receiver_.at("/b");
  EXPECT_EQ(messages(to_b),
            (Messages{"ehr.b failing", "listener certificate", "video.shared failing"}));
  for (const auto& r : to_b) EXPECT_TRUE(r.verified) << r.body;

  const auto to_am = receiver_.at("/am/api/v2/alerts");
  ASSERT_EQ(to_am.size(), 3U);
  EXPECT_EQ(messages(to_am),
            (Messages{"ehr.b failing", "listener certificate", "video.shared failing"}));
  const json& am = to_am[0].body[0];
  EXPECT_EQ(am["labels"]["alertname"], "claim.unanswered");
  EXPECT_EQ(am["labels"]["instance"], "ehr.b");
  EXPECT_EQ(am["labels"]["facility"], "fac-b");
  EXPECT_EQ(am["startsAt"], "2027-01-15T08:00:00.000Z");

  // Nothing is sent twice.
  auto again = h->delivery->run_once();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->delivered, 0);
  EXPECT_EQ(receiver_.at("/a").size(), 3U);
}

TEST_P(AlertDeliveryTest, TwoHubsSendingAtOnceDeliverEachAlertOnce) {
  auto one = hub();
  auto two = hub();
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  for (int i = 0; i < 30; ++i) raise(*one, "ehr.a", "", "alert " + std::to_string(i));
  DeliveryPass first;
  DeliveryPass second;
  std::thread a([&] { first = one->delivery->run_once().value(); });
  std::thread b([&] { second = two->delivery->run_once().value(); });
  a.join();
  b.join();
  EXPECT_EQ(first.delivered + second.delivered, 30);
  const auto to_a = receiver_.at("/a");
  ASSERT_EQ(to_a.size(), 30U);
  std::set<std::string> ids;
  for (const auto& r : to_a) ids.insert(r.id);
  EXPECT_EQ(ids.size(), 30U) << "an alert was sent twice";
  // In order: one delivery per target is out at a time.
  for (std::size_t i = 0; i < to_a.size(); ++i) {
    EXPECT_EQ(messages({to_a[i]})[0], "alert " + std::to_string(i));
  }
}

TEST_P(AlertDeliveryTest, AFailingTargetIsRetriedInOrderWhileTheOthersGoOn) {
  config_.facilities["fac-a"].alerts.webhooks["down"] =
      config::AlertWebhookConfig{receiver_.url("/a/down"), config::Secret(kSecretA), 1};
  routing_ = std::make_unique<AlertRouting>(config_);
  receiver_.script("/a/down", {503, 500});
  auto h = hub();
  ASSERT_NE(h, nullptr);
  const std::int64_t first = raise(*h, "ehr.a", "", "first");
  raise(*h, "ehr.a", "", "second");
  auto pass = h->delivery->run_once();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(messages(receiver_.at("/a")), (Messages{"first", "second"}));
  EXPECT_EQ(messages(receiver_.at("/a/down")), Messages{"first"});
  EXPECT_EQ(pass->retried, 1);
  // Not due yet: nothing is sent.
  now_ms_ += 999;
  ASSERT_TRUE(h->delivery->run_once().ok());
  EXPECT_EQ(receiver_.at("/a/down").size(), 1U);
  now_ms_ += 1;  // 1 s after the first failure
  ASSERT_TRUE(h->delivery->run_once().ok());
  EXPECT_EQ(messages(receiver_.at("/a/down")), (Messages{"first", "first"}));
  now_ms_ += 2000;  // then 2 s
  ASSERT_TRUE(h->delivery->run_once().ok());
  EXPECT_EQ(messages(receiver_.at("/a/down")), (Messages{"first", "first", "first", "second"}));
  auto states = h->alerts->delivery_states(first);
  ASSERT_TRUE(states.ok());
  EXPECT_EQ(*states, (std::vector<std::string>{"fac-a webhook.down delivered 3",
                                               "fac-a webhook.ops delivered 1"}));
}

TEST_P(AlertDeliveryTest, ATargetThatNeverAnswersIsGivenUpAfterADay) {
  receiver_.script("/a", std::vector<int>(100, 502));
  auto h = hub();
  ASSERT_NE(h, nullptr);
  const std::int64_t id = raise(*h, "ehr.a", "", "lost");
  int attempts = 0;
  for (int i = 0; i < 40 && attempts < 100; ++i) {
    auto pass = h->delivery->run_once();
    ASSERT_TRUE(pass.ok());
    attempts += pass->retried + pass->failed;
    if (pass->failed > 0) break;
    now_ms_ += 10 * 60 * 1000;  // the longest wait between tries
    if (i == 20) now_ms_ += 24LL * 3600 * 1000;
  }
  auto states = h->alerts->delivery_states(id);
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1U);
  EXPECT_EQ((*states)[0].rfind("fac-a webhook.ops failed ", 0), 0U) << (*states)[0];
  const std::size_t sent = receiver_.at("/a").size();
  now_ms_ += 3600 * 1000;
  ASSERT_TRUE(h->delivery->run_once().ok());
  EXPECT_EQ(receiver_.at("/a").size(), sent) << "a failed delivery is not sent again";
}

TEST_P(AlertDeliveryTest,
       EmailGoesThroughTheFacilitysNotifierRetriedAndARefusedAddressFailsAtOnce) {
  config::FacilityConfig& a = config_.facilities["fac-a"];
  a.notifications = config::FacilityNotificationsConfig{};
  a.notifications->email = "notify.smtp-a";
  a.alerts.email = {"ops@a.example", "nobody@a.example"};
  routing_ = std::make_unique<AlertRouting>(config_);
  std::vector<std::pair<std::string, sdk::Notification>> sent;
  int unavailable = 1;
  send_email_ = [&](const std::string& facility, const sdk::Notification& email) -> sdk::Status {
    if (email.recipient == "nobody@a.example") {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument, "550 no such user", false);
    }
    if (unavailable-- > 0) {
      return sdk::Error(sdk::ErrorCode::kUnavailable, "connection refused", true);
    }
    sent.emplace_back(facility, email);
    return {};
  };
  auto h = hub();
  ASSERT_NE(h, nullptr);
  // An alert about the instance A's e-mails go through is A's (its
  // notifications name it, no binding does); B's alert is not.
  const std::int64_t id = raise(*h, "notify.smtp-a", "", "notify.smtp-a failing");
  raise(*h, "ehr.b", "", "ehr.b failing");
  auto pass = h->delivery->run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->delivered, 3);  // A's webhook, B's webhook and Alertmanager
  EXPECT_EQ(pass->retried, 1);    // ops@: the server was unavailable
  EXPECT_EQ(pass->failed, 1);     // nobody@: refused, never retried
  EXPECT_TRUE(sent.empty());
  now_ms_ += 1000;
  ASSERT_TRUE(h->delivery->run_once().ok());
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].first, "fac-a");
  const sdk::Notification& email = sent[0].second;
  EXPECT_EQ(email.channel, "email");
  EXPECT_EQ(email.recipient, "ops@a.example");
  EXPECT_EQ(email.subject, "Wasl alert: claim.unanswered (notify.smtp-a)");
  EXPECT_EQ(email.idempotency_key, "alert:" + std::to_string(id) + ":fac-a:ops@a.example");
  EXPECT_EQ(email.body.rfind("notify.smtp-a failing\n\nAlert " + std::to_string(id), 0), 0U)
      << email.body;
  EXPECT_NE(email.body.find("\nFacility: fac-a\n"), std::string::npos) << email.body;
  auto states = h->alerts->delivery_states(id);
  ASSERT_TRUE(states.ok());
  EXPECT_EQ(*states, (std::vector<std::string>{"fac-a email.nobody@a.example failed 1",
                                               "fac-a email.ops@a.example delivered 2",
                                               "fac-a webhook.ops delivered 1"}));
  EXPECT_EQ(messages(receiver_.at("/a")), Messages{"notify.smtp-a failing"});
}

TEST_P(AlertDeliveryTest, ASecretThatIsNotAStandardWebhooksSecretNamesItsSetting) {
  config_.facilities["fac-b"].alerts.webhooks["ops"].secret = config::Secret("short");
  auto store = db_->open();
  ASSERT_TRUE(store.ok());
  AlertStore alerts(**store);
  auto delivery = AlertDelivery::create(alerts, config_);
  ASSERT_FALSE(delivery.ok());
  EXPECT_EQ(delivery.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(delivery.error().message.find("facilities.fac-b.alerts.webhooks.ops.secret: "),
            std::string::npos)
      << delivery.error().message;
  EXPECT_EQ(delivery.error().message.find("short"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Stores, AlertDeliveryTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::alerts
