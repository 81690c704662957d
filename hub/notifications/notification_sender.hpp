// NotificationSender: sends the facilities' due notifications
// (notification_outbox), the periodic job "notifications" every hub runs
// (App builds it; interval, lease, batch and retries in the configuration's
// notification_delivery).
//
// One message at a time, in three steps:
//   1. In one transaction: the row is claimed under a lease (so two hubs
//      never send one row at once: OutboxStore::claim), and decided. It is
//      skipped (consultation ended or gone, a reminder past its time or
//      without a start, the patient opted out, no address for the channel,
//      the channel or facility no longer configured), or made to wait for
//      the end of the facility's quiet hours (QuietHours on
//      reporting.time_zone; not "the clinician is ready"; a reminder whose
//      wait would end after the start, or more than half its lead late, is
//      skipped instead; another kind whose wait would end after the start
//      goes at once; a visit summary's message waits, after the end), or it
//      goes: on its first attempt its recipient and text are rendered and
//      stored encrypted (a join link, or the visit summary's link, minted
//      when the message has one), then it becomes "sending" with one more attempt and
//      the attempt is audited (notification.send), and the transaction
//      commits.
//   2. Outside any transaction: sdk::Notifier::send on the facility's
//      instance for the channel, with the row's stable idempotency key
//      ("wasl-notification-<row id>"), the same on every attempt.
//   3. In one transaction, while the lease is still this sender's: the
//      answer. Taken: "sent" with the provider's id ("delivered" when the
//      provider says so at once). Failed and retryable (unavailable,
//      deadline exceeded, resource exhausted, or an error marked
//      retryable; never invalid_argument) with attempts left: scheduled
//      again after the engine's backoff (hub/workflow/backoff.hpp). Else
//      "failed" and alerted.
// A hub that dies between steps 1 and 3 leaves the row "sending"; once its
// lease lapses, any hub claims it again and sends the stored text with the
// same key (the provider recognises the resend), counting one more attempt.
//
// Metrics: wasl_notifications_sent_total{kind,channel},
// wasl_notifications_failed_total{kind,channel},
// wasl_notifications_skipped_total{reason}, each counted after its commit.
//
// Thread-safe: tick() calls are serialised; the collaborators are borrowed
// and must outlive the sender.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/notifications/outbox_store.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/notify.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

// The notify instance named (the typed door to plugins:
// plugin_host::PluginHost::notifier); an error when it is not loaded.
using NotifierOf =
    std::function<sdk::Result<std::shared_ptr<sdk::Notifier>>(const std::string& instance)>;

// A message that will not arrive: its attempts ran out, the provider
// refused it, or the provider's receipt says it failed. No PHI.
struct NotificationAlert {
  std::string facility_id;
  std::string instance;
  std::string notification_id;
  std::string consultation_id;
  std::string kind;
  std::string channel;
  std::string error_code;  // the send's error code, or "undelivered"
};
// Raises `alert` for operators (the hub's alerting: GET /v1/alerts).
using RaiseNotificationAlert = std::function<void(const NotificationAlert& alert)>;

// Mints a link to the visit summary of (facility, consultation) at
// `now_ms` in the caller's transaction; nullopt when it has none.
using SummaryLinkOf = std::function<sdk::Result<std::optional<std::string>>(
    storage::Transaction& tx, std::string_view facility_id, std::string_view consultation_id,
    std::int64_t now_ms)>;

struct NotificationSenderDeps {
  storage::Store* store = nullptr;
  const config::Config* config = nullptr;
  const records::CellCipher* cipher = nullptr;
  const audit::AuditWriter* audit = nullptr;  // null: sends unaudited (tests only)
  NotifierOf notifier;
  RaiseNotificationAlert alert;               // empty: no alerts
  observability::Metrics* metrics = nullptr;  // null: no metrics
  // This sender's lease token; empty: a random one.
  std::string holder;
  // How long a join link works after the consultation's start: the
  // lifetime of a patient's join token (ApiOptions::join_token_ttl).
  std::chrono::milliseconds join_link_lifetime{std::chrono::hours(2)};
  // The link a visit_summary message carries, minted in the transaction
  // that prepares the message (hub/summaries, wired by app/): nullopt when
  // the consultation has no summary. Empty, or nullopt: the message is
  // skipped (not_configured).
  SummaryLinkOf summary_link;
  // The jitter's draw in [0, 1); empty: a random one.
  std::function<double()> unit_random;
};

// The idempotency key every attempt of message `id` carries.
std::string notification_key(const std::string& id);

class NotificationSender {
 public:
  explicit NotificationSender(NotificationSenderDeps deps);

  // Sends what is due at `now_ms` (at most notification_delivery.batch
  // messages); answers how many were handed to a provider. A message whose
  // handling fails on storage is logged and left to a later tick.
  int tick(std::int64_t now_ms);

  const std::string& holder() const { return deps_.holder; }

 private:
  struct Decision;
  // One message: steps 1-3 of the file comment; answers whether it was
  // handed to a provider.
  sdk::Result<bool> process(const DueRow& due, std::int64_t now_ms);
  sdk::Result<Decision> decide(storage::Transaction& tx, const OutboxRow& row,
                               std::int64_t now_ms) const;
  sdk::Status record(const DueRow& due, const OutboxRow& row, const PreparedMessage& message,
                     const sdk::Result<sdk::NotificationReceipt>& answer, std::int64_t now_ms);
  void count(const std::string& name, const std::string& help,
             const observability::Labels& labels) const;

  NotificationSenderDeps deps_;
  std::mutex tick_mutex_;
};

}  // namespace wasl::notifications
