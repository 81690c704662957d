#include "hub/notifications/notification_sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "hub/crypto/blind_index.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/notifications/feedback_links.hpp"
#include "hub/notifications/join_links.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/notifications/message_texts.hpp"
#include "hub/notifications/opt_out_store.hpp"
#include "hub/notifications/patient_contact.hpp"
#include "hub/notifications/quiet_hours.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/storage/row_id.hpp"
#include "hub/workflow/backoff.hpp"

namespace wasl::notifications {
namespace {

using domain::ConsultationStatus;
using sdk::ErrorCode;
using sdk::Result;

// A consultation in one of these is over for every message but its
// cancellation notice.
bool over(ConsultationStatus s) {
  return s == ConsultationStatus::kEnded || s == ConsultationStatus::kArchived ||
         s == ConsultationStatus::kBilled || s == ConsultationStatus::kCompleted ||
         s == ConsultationStatus::kCancelled || s == ConsultationStatus::kFailed;
}

// Whether a failed send is worth another attempt (notify.hpp's contract).
bool retryable(const sdk::Error& error) {
  if (error.code == ErrorCode::kInvalidArgument) return false;
  return error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kDeadlineExceeded ||
         error.code == ErrorCode::kResourceExhausted || error.retryable;
}

workflow::RetryPolicy policy_of(const config::NotificationDeliveryConfig& c) {
  workflow::RetryPolicy p;
  p.max_attempts = c.max_attempts;
  p.initial_delay = c.initial_delay;
  p.multiplier = 2.0;
  p.max_delay = c.max_delay;
  p.jitter = 0.2;
  return p;
}

}  // namespace

std::string notification_key(const std::string& id) { return "wasl-notification-" + id; }

struct NotificationSender::Decision {
  enum class Action { kSend, kSkip, kDefer } action = Action::kSend;
  std::string reason;       // kSkip
  std::int64_t due_at = 0;  // kDefer
  PreparedMessage message;  // kSend
  bool fresh = false;       // kSend: rendered now (to store), not read back
};

NotificationSender::NotificationSender(NotificationSenderDeps deps) : deps_(std::move(deps)) {
  if (deps_.holder.empty()) deps_.holder = storage::new_row_id().value_or("notification-sender");
  if (!deps_.unit_random) {
    deps_.unit_random = [] {
      thread_local std::mt19937_64 engine{std::random_device{}()};
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
}

void NotificationSender::count(const std::string& name, const std::string& help,
                               const observability::Labels& labels) const {
  if (deps_.metrics != nullptr) deps_.metrics->counter_add(name, help, labels, 1);
}

int NotificationSender::tick(std::int64_t now_ms) {
  std::lock_guard lock(tick_mutex_);
  std::vector<DueRow> due;
  {
    auto tx = deps_.store->begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) {
      spdlog::warn("notifications: cannot look for due messages: {}", tx.error().message);
      return 0;
    }
    auto rows = OutboxStore::due(**tx, now_ms, deps_.config->notification_delivery.batch);
    if (!rows.ok()) {
      spdlog::warn("notifications: cannot look for due messages: {}", rows.error().message);
      return 0;
    }
    due = std::move(rows).value();
  }
  int handed = 0;
  for (const DueRow& row : due) {
    auto done = process(row, now_ms);
    if (!done.ok()) {
      spdlog::warn("notifications: message {} of facility {}: {} ({})", row.id, row.facility_id,
                   done.error().message, sdk::to_string(done.error().code));
      continue;
    }
    if (*done) ++handed;
  }
  return handed;
}

Result<NotificationSender::Decision> NotificationSender::decide(storage::Transaction& tx,
                                                                const OutboxRow& row,
                                                                std::int64_t now_ms) const {
  Decision d;
  auto skip = [&d](std::string_view reason) {
    d.action = Decision::Action::kSkip;
    d.reason = std::string(reason);
    return d;
  };
  const auto facility_it = deps_.config->facilities.find(row.facility_id);
  if (facility_it == deps_.config->facilities.end() || !facility_it->second.notifications) {
    return skip(kNotConfigured);
  }
  const config::FacilityConfig& facility = facility_it->second;
  const config::FacilityNotificationsConfig& settings = *facility.notifications;

  records::ConsultationStore consultations(*deps_.cipher);
  auto found = consultations.get(tx, row.facility_id, row.consultation_id);
  if (!found.ok()) {
    if (found.error().code == ErrorCode::kNotFound) return skip(kConsultationEnded);
    return std::move(found).error();
  }
  const domain::Consultation& consultation = *found;
  if (row.kind == kFeedback) {
    // Asked after the consultation, of a consultation that was held.
    if (consultation.status == domain::ConsultationStatus::kCancelled ||
        consultation.status == domain::ConsultationStatus::kFailed) {
      return skip(kConsultationCancelled);
    }
  } else if (row.kind != kCancellation && row.kind != kVisitSummary && over(consultation.status)) {
    // A cancellation and a completed visit's summary go after the end.
    return skip(kConsultationEnded);
  }

  const std::optional<std::int64_t> start = consultation.scheduled_at;
  const std::int64_t lead = reminder_lead(&settings, row.kind).count();
  const bool reminder = is_reminder(row.kind);
  if (reminder) {
    if (!start) return skip(kNoStart);
    // Past its start, or so late it no longer says what it should.
    const std::int64_t latest = *start - lead + lead / 2;
    if (now_ms >= *start || now_ms > latest) return skip(kTooLate);
  }

  if (row.kind != kClinicianReady) {
    WASL_ASSIGN_OR_RETURN(QuietHours quiet,
                          QuietHours::parse(settings.quiet_hours_start, settings.quiet_hours_end));
    WASL_ASSIGN_OR_RETURN(auto until, quiet.until(now_ms, facility.reporting.time_zone));
    if (until) {
      if (reminder) {
        if (*until >= *start || *until > *start - lead + lead / 2) return skip(kQuietHours);
        d.action = Decision::Action::kDefer;
        d.due_at = *until;
        return d;
      }
      // News the patient needs before the start goes now rather than after
      // it; a visit summary and the feedback question wait for the morning.
      if (!start || *until < *start || row.kind == kVisitSummary || row.kind == kFeedback) {
        d.action = Decision::Action::kDefer;
        d.due_at = *until;
        return d;
      }
    }
  }

  ContactStore contacts(*deps_.cipher);
  WASL_ASSIGN_OR_RETURN(std::optional<PatientContact> contact,
                        contacts.get(tx, row.facility_id, row.consultation_id));
  const std::optional<PatientContact> booked = contact_of(*deps_.cipher, consultation);
  // What the run read from the EHR first, then what the booking gave.
  std::vector<const PatientContact*> sources;
  if (contact) sources.push_back(&*contact);
  if (booked) sources.push_back(&*booked);
  std::vector<std::string> indexes;
  for (const PatientContact* c : sources) {
    indexes.insert(indexes.end(), c->patient_indexes.begin(), c->patient_indexes.end());
  }
  WASL_ASSIGN_OR_RETURN(bool opted_out, OptOutStore::any(tx, row.facility_id, indexes));
  if (opted_out) return skip(kOptOut);

  if (row.prepared) {
    OutboxStore outbox(*deps_.cipher);
    WASL_ASSIGN_OR_RETURN(d.message, outbox.prepared(tx, DueRow{row.id, row.facility_id}));
    return d;
  }

  const std::string& instance = row.channel == kSms ? settings.sms : settings.email;
  if (instance.empty()) return skip(kNotConfigured);
  // The EHR's address for the channel, else the booking's: the first that
  // reads as an address (a phone in E.164).
  const auto id_kind =
      row.channel == kSms ? crypto::IdentifierKind::kPhone : crypto::IdentifierKind::kEmail;
  std::string recipient;
  for (const PatientContact* c : sources) {
    const std::string& address = row.channel == kSms ? c->phone : c->email;
    if (address.empty() || !crypto::normalize_identifier(id_kind, address).ok()) continue;
    recipient = row.channel == kSms ? *crypto::normalize_identifier(id_kind, address) : address;
    break;
  }
  if (recipient.empty()) return skip(kNoRecipient);

  MessageFacts facts;
  facts.facility_name = facility.name.empty() ? facility.id : facility.name;
  facts.start_ms = start.value_or(consultation.created_at);
  facts.time_zone = facility.reporting.time_zone;
  facts.language = message_language(contact ? contact->language : "", settings.default_language);
  facts.arabic_digits = settings.arabic_digits;
  if (row.kind == kVisitSummary) {
    if (!deps_.summary_link) return skip(kNotConfigured);
    WASL_ASSIGN_OR_RETURN(auto link,
                          deps_.summary_link(tx, row.facility_id, row.consultation_id, now_ms));
    if (!link) return skip(kNotConfigured);
    facts.summary_link = std::move(*link);
  }
  if (row.kind == kFeedback) {
    FeedbackLinkRow link{row.facility_id, row.consultation_id, row.id,
                         now_ms + settings.feedback_link_lifetime.count(), std::nullopt};
    WASL_ASSIGN_OR_RETURN(std::string code, FeedbackLinks::mint(tx, link, now_ms));
    const std::string url = settings.feedback_url.empty()
                                ? deps_.config->server.public_url + "/feedback/{code}"
                                : settings.feedback_url;
    facts.feedback_link = JoinLinks::link(url, code);
  } else if (row.kind != kCancellation) {
    JoinLinkRow link{row.facility_id, row.consultation_id, row.id,
                     start.value_or(now_ms) + deps_.join_link_lifetime.count()};
    WASL_ASSIGN_OR_RETURN(std::string code, JoinLinks::mint(tx, link, now_ms));
    const std::string url = settings.join_url.empty()
                                ? deps_.config->server.public_url + "/join/{code}"
                                : settings.join_url;
    facts.join_link = JoinLinks::link(url, code);
  }
  WASL_ASSIGN_OR_RETURN(auto values, message_values(facts));
  WASL_ASSIGN_OR_RETURN(MessageText text,
                        render_message(&settings, row.kind, facts.language, values));
  d.message = PreparedMessage{row.channel, instance, facts.language, recipient, std::move(text)};
  d.fresh = true;
  return d;
}

Result<bool> NotificationSender::process(const DueRow& due, std::int64_t now_ms) {
  const config::NotificationDeliveryConfig& delivery = deps_.config->notification_delivery;
  // 1. Claim and decide.
  WASL_ASSIGN_OR_RETURN(auto tx, deps_.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(bool taken, OutboxStore::claim(*tx, due, deps_.holder, now_ms,
                                                       now_ms + delivery.lease.count()));
  if (!taken) {
    tx->rollback();
    return false;  // another hub has it
  }
  WASL_ASSIGN_OR_RETURN(auto claimed, OutboxStore::get(*tx, due.facility_id, due.id));
  if (!claimed) {
    tx->rollback();
    return false;
  }
  const OutboxRow row = std::move(*claimed);
  WASL_ASSIGN_OR_RETURN(Decision d, decide(*tx, row, now_ms));
  if (d.action == Decision::Action::kSkip) {
    WASL_RETURN_IF_ERROR(OutboxStore::settle(*tx, due, kSkipped, d.reason, now_ms));
    WASL_RETURN_IF_ERROR(tx->commit());
    count("wasl_notifications_skipped_total", "Notifications not sent, by reason.",
          {{"reason", d.reason}});
    return false;
  }
  if (d.action == Decision::Action::kDefer) {
    WASL_RETURN_IF_ERROR(OutboxStore::defer(*tx, due, d.due_at, now_ms));
    WASL_RETURN_IF_ERROR(tx->commit());
    return false;
  }
  if (d.fresh) {
    OutboxStore outbox(*deps_.cipher);
    WASL_RETURN_IF_ERROR(outbox.prepare(*tx, due, d.message, now_ms));
  }
  WASL_RETURN_IF_ERROR(OutboxStore::mark_sending(*tx, due, now_ms));
  const std::int64_t attempt = row.attempts + 1;
  if (deps_.audit != nullptr) {
    audit::AuditEvent event;
    event.occurred_at = now_ms;
    event.actor = "system";
    event.facility_id = row.facility_id;
    event.action = "notification.send";
    event.entity_type = "notification";
    event.entity_id = row.id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    event.detail = nlohmann::json{
        {"consultation_id", row.consultation_id},
        {"kind", row.kind},
        {"channel", row.channel},
        {"instance", d.message.instance},
        {"language", d.message.language},
        {"attempt",
         attempt}}.dump();
    WASL_RETURN_IF_ERROR(deps_.audit->append(*tx, event));
  }
  WASL_RETURN_IF_ERROR(tx->commit());

  // 2. The send, outside any transaction.
  sdk::Notification notification;
  notification.idempotency_key = notification_key(row.id);
  notification.channel = row.channel;
  notification.recipient = d.message.recipient;
  notification.subject = row.channel == kEmail ? d.message.text.subject : std::string();
  notification.body = d.message.text.body;
  notification.language = d.message.language;
  sdk::Result<sdk::NotificationReceipt> answer =
      sdk::Error(ErrorCode::kUnavailable, "no notifier", true);
  auto notifier = deps_.notifier ? deps_.notifier(d.message.instance)
                                 : sdk::Result<std::shared_ptr<sdk::Notifier>>(sdk::Error(
                                       ErrorCode::kUnavailable, "no notifier is wired", true));
  if (notifier.ok() && *notifier) {
    answer = (*notifier)->send(notification);
  } else if (!notifier.ok()) {
    answer = sdk::Error(
        ErrorCode::kUnavailable,
        "notify instance " + d.message.instance + " is not loaded: " + notifier.error().message,
        true);
  }

  // 3. The answer, while the lease is still ours.
  OutboxRow sent_row = row;
  sent_row.attempts = attempt;
  WASL_RETURN_IF_ERROR(record(due, sent_row, d.message, answer, now_ms));
  return true;
}

sdk::Status NotificationSender::record(const DueRow& due, const OutboxRow& row,
                                       const PreparedMessage& message,
                                       const sdk::Result<sdk::NotificationReceipt>& answer,
                                       std::int64_t now_ms) {
  const config::NotificationDeliveryConfig& delivery = deps_.config->notification_delivery;
  WASL_ASSIGN_OR_RETURN(auto tx, deps_.store->begin(storage::TxMode::kReadWrite));
  if (answer.ok()) {
    WASL_ASSIGN_OR_RETURN(bool recorded,
                          OutboxStore::record_sent(*tx, due, deps_.holder, answer->provider_id,
                                                   answer->status == "delivered", now_ms));
    WASL_RETURN_IF_ERROR(tx->commit());
    if (!recorded) {
      spdlog::warn(
          "notifications: message {} was sent, but its lease passed to another hub, "
          "which sends it again with the same key",
          row.id);
      return {};
    }
    count("wasl_notifications_sent_total", "Notifications a provider took.",
          {{"kind", row.kind}, {"channel", row.channel}});
    return {};
  }
  const sdk::Error& error = answer.error();
  const std::string code(sdk::to_string(error.code));
  if (retryable(error) && row.attempts < delivery.max_attempts) {
    const auto delay = workflow::retry_delay(
        policy_of(delivery), static_cast<int>(row.attempts) + 1, error, deps_.unit_random());
    WASL_ASSIGN_OR_RETURN(bool recorded, OutboxStore::record_retry(*tx, due, deps_.holder, code,
                                                                   now_ms + delay.count(), now_ms));
    WASL_RETURN_IF_ERROR(tx->commit());
    if (recorded) {
      spdlog::info("notifications: message {} failed ({}), attempt {} of {}; again in {} ms",
                   row.id, code, row.attempts, delivery.max_attempts, delay.count());
    }
    return {};
  }
  WASL_ASSIGN_OR_RETURN(bool recorded,
                        OutboxStore::record_failure(*tx, due, deps_.holder, code, now_ms));
  WASL_RETURN_IF_ERROR(tx->commit());
  if (!recorded) return {};
  spdlog::warn("notifications: message {} ({} by {}) failed for good after {} attempt(s): {}",
               row.id, row.kind, row.channel, row.attempts, code);
  count("wasl_notifications_failed_total", "Notifications that will not arrive.",
        {{"kind", row.kind}, {"channel", row.channel}});
  if (deps_.alert) {
    deps_.alert(NotificationAlert{row.facility_id, message.instance, row.id, row.consultation_id,
                                  row.kind, row.channel, code});
  }
  return {};
}

}  // namespace wasl::notifications
