// NotificationsDatabaseTest: the records' test database (both backends)
// with what the notifications feature works with: a configuration whose
// facility A sends e-mail through notify.mail and SMS through notify.sms on
// Asia/Riyadh's clock (facility B likewise, through its own instances), an
// audit writer, metrics, and ScriptedNotifier, a test double of the notify
// plugins that records every message it is handed.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/notifications/consultation_notices.hpp"
#include "hub/notifications/notification_sender.hpp"
#include "hub/notifications/outbox_store.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::notifications::testing {

using records::testing::kFacilityA;
using records::testing::kFacilityB;

// 2026-03-01T06:00:00Z: 09:00 on a Sunday in Riyadh, outside quiet hours.
inline constexpr std::int64_t kNow = 1'772'344'800'000;
inline constexpr std::int64_t kHour = 3'600'000;
inline constexpr std::int64_t kDay = 24 * kHour;

// Thrown by ScriptedNotifier::send to stand for the hub being killed while
// the provider holds the message: nothing after the send runs.
struct Killed {};

// A Notifier test double: records each message, then answers the next
// scripted answer (or takes it, provider id "prov-<key>").
class ScriptedNotifier final : public sdk::Notifier {
 public:
  sdk::Result<sdk::NotificationReceipt> send(const sdk::Notification& n) override {
    std::function<void(const sdk::Notification&)> hook;
    std::optional<sdk::Result<sdk::NotificationReceipt>> scripted;
    {
      std::lock_guard lock(mutex);
      sent.push_back(n);
      hook = on_send;
      if (!answers.empty()) {
        scripted = answers.front();
        answers.pop_front();
      }
    }
    if (hook) hook(n);
    if (scripted) return *scripted;
    sdk::NotificationReceipt r;
    r.provider_id = "prov-" + n.idempotency_key;
    return r;
  }

  std::vector<sdk::Notification> messages() {
    std::lock_guard lock(mutex);
    return sent;
  }
  void script(sdk::Result<sdk::NotificationReceipt> answer) {
    std::lock_guard lock(mutex);
    answers.push_back(std::move(answer));
  }

  std::mutex mutex;
  std::vector<sdk::Notification> sent;
  std::deque<sdk::Result<sdk::NotificationReceipt>> answers;
  std::function<void(const sdk::Notification&)> on_send;
};

class NotificationsDatabaseTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    config_.server.public_url = "https://hub.example.sa";
    for (const char* id : {kFacilityA, kFacilityB}) {
      config::FacilityConfig& f = config_.facilities[id];
      f.id = id;
      f.name = std::string(id) == kFacilityA ? "مستشفى الواحة" : "Clinic B";
      f.reporting.time_zone = "Asia/Riyadh";
      config::FacilityNotificationsConfig n;
      n.email = std::string(id) == kFacilityA ? "notify.mail" : "notify.mail-b";
      n.sms = std::string(id) == kFacilityA ? "notify.sms" : "notify.sms-b";
      f.notifications = n;
    }
    config_.notification_delivery.max_attempts = 3;
    config_.notification_delivery.initial_delay = std::chrono::seconds(30);
    config_.notification_delivery.max_delay = std::chrono::minutes(10);
    config_.notification_delivery.lease = std::chrono::minutes(2);
    config_.notification_delivery.batch = 100;
  }

  config::FacilityNotificationsConfig& settings(const char* facility = kFacilityA) {
    return *config_.facilities.at(facility).notifications;
  }

  // A consultation of `facility` starting at `start` (its patient has
  // identifiers, a phone, an e-mail and diagnosis codes).
  void add_consultation(const std::string& id, std::int64_t start,
                        const std::string& facility = kFacilityA) {
    domain::Consultation c = sample_consultation(facility, id, kNow - kDay);
    c.scheduled_at = start;
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_OK(records::ConsultationStore(*cipher_).insert(*tx, c));
    ASSERT_OK(tx->commit());
  }

  std::vector<std::string> queue(const std::string& consultation, std::string_view kind,
                                 std::int64_t now = kNow,
                                 const std::string& facility = kFacilityA) {
    auto tx = begin();
    EXPECT_NE(tx, nullptr);
    auto queued = queue_message(*tx, config_, facility, consultation, kind, now);
    EXPECT_TRUE(queued.ok()) << queued.error().message;
    EXPECT_TRUE(tx->commit().ok());
    return queued.ok() ? *queued : std::vector<std::string>{};
  }

  std::vector<OutboxRow> rows(const std::string& consultation,
                              const std::string& facility = kFacilityA) {
    auto tx = begin();
    EXPECT_NE(tx, nullptr);
    auto found = OutboxStore::of_consultation(*tx, facility, consultation);
    EXPECT_TRUE(found.ok()) << found.error().message;
    tx->rollback();
    return found.ok() ? *found : std::vector<OutboxRow>{};
  }

  // The row of `kind` by `channel`.
  OutboxRow row(const std::string& consultation, std::string_view kind,
                std::string_view channel = "sms", const std::string& facility = kFacilityA) {
    for (const auto& r : rows(consultation, facility)) {
      if (r.kind == kind && r.channel == channel) return r;
    }
    ADD_FAILURE() << "no " << kind << " by " << channel << " for " << consultation;
    return {};
  }

  NotificationSenderDeps deps(const std::string& holder = "hub-1") {
    NotificationSenderDeps d;
    d.store = store_.get();
    d.config = &config_;
    d.cipher = cipher_.get();
    d.audit = audit_.get();
    d.metrics = &metrics_;
    d.holder = holder;
    d.unit_random = [] { return 0.0; };  // no jitter: the full delay
    d.notifier =
        [this](const std::string& instance) -> sdk::Result<std::shared_ptr<sdk::Notifier>> {
      std::lock_guard lock(instances_mutex_);
      instances_asked_.push_back(instance);
      return std::shared_ptr<sdk::Notifier>(notifier_);
    };
    d.alert = [this](const NotificationAlert& a) {
      std::lock_guard lock(instances_mutex_);
      alerts_.push_back(a);
    };
    return d;
  }

  std::int64_t count(const std::string& sql, const storage::Params& params = {}) {
    return scalar(sql, params);
  }

  config::Config config_;
  std::unique_ptr<audit::AuditWriter> audit_;
  observability::Metrics metrics_;
  std::shared_ptr<ScriptedNotifier> notifier_ = std::make_shared<ScriptedNotifier>();
  std::mutex instances_mutex_;
  std::vector<std::string> instances_asked_;
  std::vector<NotificationAlert> alerts_;
};

}  // namespace wasl::notifications::testing
