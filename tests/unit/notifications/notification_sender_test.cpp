// NotificationSender on both backends with a scripted notify plugin: due
// messages go once each with a stable idempotency key, audited and
// encrypted; the rendered texts carry no identifier or diagnosis; quiet
// hours on the facility's clock (Riyadh, and New York across its
// daylight-saving change) defer or skip; two senders at once send each
// message once; a sender killed after the send leaves the message to be
// sent again with the same key; failures are retried with backoff, then
// failed and alerted; an opted-out patient is skipped.
#include "hub/notifications/notification_sender.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "hub/calendar/civil_time.hpp"
#include "hub/config/schema.hpp"
#include "hub/notifications/feedback_links.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/notifications/opt_out_store.hpp"
#include "hub/notifications/patient_contact.hpp"
#include "tests/unit/notifications/notifications_database.hpp"

namespace wasl::notifications::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::int64_t riyadh(int y, int mo, int d, int h, int mi) {
  auto instant = calendar::instant_of(calendar::CivilTime{y, mo, d, h, mi, 0, 0}, "Asia/Riyadh");
  EXPECT_TRUE(instant.ok());
  return instant.value_or(0);
}

class NotificationSenderTest : public NotificationsDatabaseTest {};

TEST_P(NotificationSenderTest, SendsEachDueMessageOnceWithAStableKeyAuditedAndEncrypted) {
  add_consultation("c1", kNow + 2 * kDay);
  EXPECT_EQ(queue("c1", kInvitation), (std::vector<std::string>{"email", "sms"}));
  EXPECT_TRUE(queue("c1", kInvitation).empty());  // once per consultation, kind and channel
  NotificationSender sender(deps());
  EXPECT_EQ(sender.tick(kNow), 2);
  EXPECT_EQ(sender.tick(kNow + 1000), 0);  // nothing twice

  const auto sent = notifier_->messages();
  ASSERT_EQ(sent.size(), 2u);
  std::map<std::string, sdk::Notification> by_channel;
  for (const auto& n : sent) by_channel[n.channel] = n;
  const OutboxRow email = row("c1", kInvitation, kEmail);
  const OutboxRow sms = row("c1", kInvitation, kSms);
  EXPECT_EQ(by_channel["email"].idempotency_key, notification_key(email.id));
  EXPECT_EQ(by_channel["sms"].idempotency_key, notification_key(sms.id));
  EXPECT_EQ(by_channel["email"].recipient, "patient@example.sa");
  EXPECT_EQ(by_channel["sms"].recipient, "+966501234567");  // E.164
  EXPECT_EQ(by_channel["sms"].language, "ar");              // the facility's default
  EXPECT_TRUE(by_channel["sms"].subject.empty());
  EXPECT_THAT(by_channel["email"].subject, HasSubstr("مستشفى الواحة"));
  EXPECT_THAT(by_channel["sms"].body, HasSubstr("https://hub.example.sa/join/"));
  EXPECT_EQ(std::set<std::string>(instances_asked_.begin(), instances_asked_.end()),
            (std::set<std::string>{"notify.mail", "notify.sms"}));

  for (const OutboxRow& r : {email, sms}) {
    EXPECT_EQ(r.state, kSent);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.provider_id, "prov-" + notification_key(r.id));
    EXPECT_EQ(r.sent_at, kNow);
    EXPECT_FALSE(r.lease_owner.has_value());
    EXPECT_TRUE(r.prepared);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'notification.send' AND "
                  "facility_id = $1",
                  {std::string(kFacilityA)}),
            2);
  // What was sent is in the row only encrypted; the recipient is indexed.
  const std::string cells = raw_bytes("SELECT * FROM notification_outbox");
  EXPECT_THAT(cells, Not(HasSubstr("patient@example.sa")));
  EXPECT_THAT(cells, Not(HasSubstr("501234567")));
  EXPECT_THAT(cells, Not(HasSubstr("مستشفى")));
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_outbox WHERE recipient_index IS NOT NULL"), 2);
  // The audit trail names no recipient.
  EXPECT_THAT(raw_bytes("SELECT detail FROM audit_events"), Not(HasSubstr("@example.sa")));
  EXPECT_THAT(metrics_.render(), HasSubstr("wasl_notifications_sent_total{channel=\"sms\","
                                           "kind=\"invitation\"} 1"));
}

TEST_P(NotificationSenderTest, NoTextCarriesAnIdentifierADiagnosisOrAName) {
  // Two consultations of a patient with a national id, an MRN and
  // diagnosis codes; one in Arabic (the default), one read from the EHR as
  // English; every kind of message sent for both.
  add_consultation("c-ar", kNow + 2 * kDay);
  add_consultation("c-en", kNow + 2 * kDay);
  {
    sdk::PatientSummary patient;
    patient.id = "7";
    patient.identifiers = {{"http://nphies.sa/identifier/nationalid", "1098765432"},
                           {"urn:mrn", "MRN-77"}};
    patient.given_name = "Fatimah";
    patient.family_name = "Alzahrani";
    patient.phone = "0501234567";
    patient.email = "fatimah@example.sa";
    patient.language = "en-SA";
    auto tx = begin();
    ASSERT_OK(
        ContactStore(*cipher_).put(*tx, kFacilityA, "c-en", contact_of(*cipher_, patient), kNow));
    ASSERT_OK(tx->commit());
  }
  for (const std::string& kind : config::notification_message_kinds()) {
    queue("c-ar", kind, kNow - 24 * kHour + 2 * kDay);  // reminders due now-ish: see below
    queue("c-en", kind, kNow - 24 * kHour + 2 * kDay);
  }
  // Walk the clock through every due time up to the start.
  NotificationSender sender(deps());
  for (std::int64_t t = kNow; t < kNow + 2 * kDay; t += kHour / 2) sender.tick(t);
  const auto sent = notifier_->messages();
  std::set<std::string> kinds_sent;
  std::set<std::string> languages;
  for (const auto& n : sent) languages.insert(n.language);
  for (const auto& r : rows("c-ar")) {
    if (r.state == kSent) kinds_sent.insert(r.kind);
  }
  EXPECT_EQ(kinds_sent.size(), 7u) << "every kind was sent";
  EXPECT_EQ(languages, (std::set<std::string>{"ar", "en"}));
  ASSERT_EQ(sent.size(), 28u);  // 7 kinds × 2 channels × 2 consultations
  const std::vector<std::string> forbidden = {
      "1098765432", "١٠٩٨٧٦٥٤٣٢", "MRN-77",     "mrn-c-ar",  "MRN-C-AR",
      "J06.9",      "E11.9",      "Fatimah",    "Alzahrani", records::testing::kArabicName,
      "فاطمة",      "د. أحمد",    "lic-42",     "Patient/7", "Practitioner/3",
      "0501234567", "٠٥٠١٢٣٤٥٦٧", "@example.sa"};
  for (const auto& n : sent) {
    for (const std::string& bad : forbidden) {
      EXPECT_THAT(n.body, Not(HasSubstr(bad))) << n.idempotency_key;
      EXPECT_THAT(n.subject, Not(HasSubstr(bad))) << n.idempotency_key;
    }
  }
}

// The feedback question goes after the consultation (its status ended or
// later), with a one-use link of its own, never a join link; it waits for
// the end of the quiet hours; a cancelled consultation is asked nothing.
TEST_P(NotificationSenderTest, FeedbackGoesAfterTheConsultationWithAOneUseLink) {
  add_consultation("held", kNow - kHour);
  {
    auto tx = begin();
    ASSERT_OK(records::ConsultationStore::update_status(
        *tx, kFacilityA, "held", domain::ConsultationStatus::kCompleted, kNow));
    ASSERT_OK(tx->commit());
  }
  EXPECT_EQ(queue("held", kFeedback), (std::vector<std::string>{"email", "sms"}));
  NotificationSender sender(deps());
  EXPECT_EQ(sender.tick(kNow), 2);
  const auto sent = notifier_->messages();
  ASSERT_EQ(sent.size(), 2u);
  for (const auto& n : sent) {
    EXPECT_THAT(n.body, HasSubstr("https://hub.example.sa/feedback/"));
    EXPECT_THAT(n.body, Not(HasSubstr("/join/")));
  }
  // One link per message, working a week; none to join.
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_feedback_links WHERE consultation_id = "
                  "'held' AND used_at IS NULL AND expires_at = $1",
                  {kNow + 7 * kDay}),
            2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_join_links"), 0);
  // The code in the SMS resolves to its row; the table holds only hashes.
  EXPECT_EQ(row("held", kFeedback).state, kSent);
  const std::string body = sent[0].channel == "sms" ? sent[0].body : sent[1].body;
  const std::string code = body.substr(body.find("/feedback/") + 10, 43);
  {
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(auto link, FeedbackLinks::resolve(*tx, code));
    ASSERT_TRUE(link.has_value()) << body;
    EXPECT_EQ(link->consultation_id, "held");
    ASSERT_OK_AND_ASSIGN(bool used, FeedbackLinks::use(*tx, code, kNow + kHour));
    EXPECT_TRUE(used);
    ASSERT_OK_AND_ASSIGN(bool again, FeedbackLinks::use(*tx, code, kNow + kHour));
    EXPECT_FALSE(again);
    ASSERT_OK(tx->commit());
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_feedback_links WHERE used_at IS NULL"), 0)
      << "the other channel's link is used with it";
  EXPECT_THAT(raw_bytes("SELECT code_hash FROM notification_feedback_links"), Not(HasSubstr(code)));

  // At 23:00 in Riyadh it waits for 08:00.
  add_consultation("late", kNow - kHour);
  const std::int64_t night = riyadh(2026, 3, 1, 23, 0);
  queue("late", kFeedback, night);
  EXPECT_EQ(sender.tick(night), 0);
  EXPECT_EQ(row("late", kFeedback).state, kScheduled);
  EXPECT_EQ(row("late", kFeedback).due_at, riyadh(2026, 3, 2, 8, 0));

  add_consultation("called-off", kNow + kDay);
  {
    auto tx = begin();
    ASSERT_OK(records::ConsultationStore::update_status(
        *tx, kFacilityA, "called-off", domain::ConsultationStatus::kCancelled, kNow));
    ASSERT_OK(tx->commit());
  }
  queue("called-off", kFeedback);
  EXPECT_EQ(sender.tick(kNow + 1), 0);
  EXPECT_EQ(row("called-off", kFeedback).state, kSkipped);
  EXPECT_EQ(row("called-off", kFeedback).reason, std::string(kConsultationCancelled));
}

TEST_P(NotificationSenderTest, RemindersAreDueTheirLeadBeforeTheStart) {
  const std::int64_t start = kNow + 3 * kDay;
  add_consultation("c1", start);
  queue("c1", kReminder24h);
  queue("c1", kReminder1h);
  EXPECT_EQ(row("c1", kReminder24h).due_at, start - kDay);
  EXPECT_EQ(row("c1", kReminder1h).due_at, start - kHour);
  NotificationSender sender(deps());
  EXPECT_EQ(sender.tick(start - kDay - 1), 0);
  EXPECT_EQ(sender.tick(start - kDay), 2);
  EXPECT_EQ(sender.tick(start - kHour - 1), 0);
  EXPECT_EQ(sender.tick(start - kHour), 2);
  EXPECT_EQ(row("c1", kReminder1h).state, kSent);
  // A reminder whose time passed long ago (a hub down for hours) is not
  // sent late: skipped too_late.
  add_consultation("c2", kNow + 3 * kDay);
  queue("c2", kReminder24h);
  EXPECT_EQ(sender.tick(kNow + 2 * kDay + 13 * kHour), 0);
  EXPECT_EQ(row("c2", kReminder24h).state, kSkipped);
  EXPECT_EQ(row("c2", kReminder24h).reason, std::string(kTooLate));
  EXPECT_THAT(metrics_.render(),
              HasSubstr("wasl_notifications_skipped_total{reason=\"too_late\"} 2"));
}

TEST_P(NotificationSenderTest, QuietHoursOnRiyadhsClockDeferOrSkipButNotTheClinicianIsReady) {
  // 22:00-08:00 in Riyadh.
  const std::int64_t night = riyadh(2026, 3, 1, 23, 0);
  const std::int64_t morning = riyadh(2026, 3, 2, 8, 0);
  // Its 24 h reminder falls at 23:00: it waits for 08:00, still well before.
  add_consultation("late-evening", riyadh(2026, 3, 2, 23, 0));
  queue("late-evening", kReminder24h);
  // Its 1 h reminder falls at 23:00 too, but 08:00 is after its start.
  add_consultation("midnight", riyadh(2026, 3, 2, 0, 0));
  queue("midnight", kReminder1h);
  // The clinician is ready at 23:30: it goes at once.
  add_consultation("now", riyadh(2026, 3, 1, 23, 30));
  queue("now", kClinicianReady, night + 30 * 60'000);
  // An invitation at 23:00 for a morning consultation waits; one for a
  // consultation at 23:45 goes, the news being of no use after it.
  add_consultation("tomorrow", riyadh(2026, 3, 2, 10, 0));
  queue("tomorrow", kInvitation, night);
  add_consultation("tonight", riyadh(2026, 3, 1, 23, 45));
  queue("tonight", kInvitation, night);

  NotificationSender sender(deps());
  sender.tick(night);
  EXPECT_EQ(row("late-evening", kReminder24h).state, kScheduled);
  EXPECT_EQ(row("late-evening", kReminder24h).due_at, morning);
  EXPECT_EQ(row("midnight", kReminder1h).state, kSkipped);
  EXPECT_EQ(row("midnight", kReminder1h).reason, std::string(kQuietHours));
  EXPECT_EQ(row("tomorrow", kInvitation).state, kScheduled);
  EXPECT_EQ(row("tomorrow", kInvitation).due_at, morning);
  EXPECT_EQ(row("tonight", kInvitation).state, kSent);
  sender.tick(night + 30 * 60'000);
  EXPECT_EQ(row("now", kClinicianReady).state, kSent);
  EXPECT_EQ(row("late-evening", kReminder24h).state, kScheduled);
  sender.tick(morning - 1);
  EXPECT_EQ(row("late-evening", kReminder24h).attempts, 0);
  sender.tick(morning);
  EXPECT_EQ(row("late-evening", kReminder24h).state, kSent);
  EXPECT_EQ(row("late-evening", kReminder24h).sent_at, morning);
  EXPECT_EQ(row("tomorrow", kInvitation).state, kSent);
}

TEST_P(NotificationSenderTest, QuietHoursFollowAFacilityClockAcrossDaylightSaving) {
  // A facility on New York's clock: the night of 2026-03-07 ends at 08:00
  // EDT, 12:00 UTC (the clocks moved forward at 02:00).
  config_.facilities.at(kFacilityA).reporting.time_zone = "America/New_York";
  auto ny = [](int d, int h, int mi) {
    return calendar::instant_of(calendar::CivilTime{2026, 3, d, h, mi, 0, 0}, "America/New_York")
        .value_or(0);
  };
  add_consultation("c1", ny(8, 20, 0));
  queue("c1", kReminder24h);  // due 24 hours before: 19:00 EST on the 7th, not quiet
  add_consultation("c2", ny(8, 23, 0));
  queue("c2", kReminder24h);  // due 22:00 EST on the 7th: quiet until 08:00 EDT
  NotificationSender sender(deps());
  sender.tick(ny(7, 20, 0));
  EXPECT_EQ(row("c1", kReminder24h).state, kSent);
  sender.tick(ny(7, 22, 0));
  EXPECT_EQ(row("c2", kReminder24h).state, kScheduled);
  EXPECT_EQ(row("c2", kReminder24h).due_at,
            calendar::instant_of(calendar::CivilTime{2026, 3, 8, 12, 0, 0, 0}, "UTC").value_or(0));
}

TEST_P(NotificationSenderTest, TwoSendersAtOnceSendEachMessageOnce) {
  constexpr int kConsultations = 15;
  for (int i = 0; i < kConsultations; ++i) {
    add_consultation("c" + std::to_string(i), kNow + 2 * kDay);
    queue("c" + std::to_string(i), kInvitation);
  }
  config_.notification_delivery.batch = 5;
  NotificationSender first(deps("hub-1"));
  NotificationSender second(deps("hub-2"));
  std::atomic<bool> go{false};
  auto run = [&](NotificationSender& sender) {
    while (!go.load()) std::this_thread::yield();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      sender.tick(kNow);
      if (count("SELECT COUNT(*) FROM notification_outbox WHERE state <> 'sent'") == 0) return;
    }
  };
  std::thread a([&] { run(first); });
  std::thread b([&] { run(second); });
  go = true;
  a.join();
  b.join();
  const auto sent = notifier_->messages();
  std::map<std::string, int> per_key;
  for (const auto& n : sent) ++per_key[n.idempotency_key];
  EXPECT_EQ(per_key.size(), 2u * kConsultations);
  for (const auto& [key, times] : per_key) EXPECT_EQ(times, 1) << key;
  EXPECT_EQ(sent.size(), 2u * kConsultations);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_outbox WHERE state = 'sent' AND "
                  "attempts = 1"),
            2 * kConsultations);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'notification.send'"),
            2 * kConsultations);
}

TEST_P(NotificationSenderTest, AKilledSenderLeavesTheMessageToBeSentAgainWithTheSameKey) {
  add_consultation("c1", kNow + 2 * kDay);
  settings().email.clear();  // SMS only
  queue("c1", kInvitation);
  notifier_->on_send = [](const sdk::Notification&) { throw Killed{}; };
  {
    NotificationSender dying(deps("hub-1"));
    EXPECT_THROW(dying.tick(kNow), Killed);
  }
  notifier_->on_send = nullptr;
  OutboxRow r = row("c1", kInvitation);
  EXPECT_EQ(r.state, kSending);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.lease_owner, "hub-1");

  // Another hub leaves it while the lease holds, and sends it once it lapsed.
  NotificationSender other(deps("hub-2"));
  const std::int64_t lapsed = kNow + config_.notification_delivery.lease.count();
  EXPECT_EQ(other.tick(lapsed - 1), 0);
  EXPECT_EQ(other.tick(lapsed), 1);
  const auto sent = notifier_->messages();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].idempotency_key, sent[0].idempotency_key);
  EXPECT_EQ(sent[1].body, sent[0].body);  // the stored text, its join link included
  EXPECT_EQ(sent[1].recipient, sent[0].recipient);
  r = row("c1", kInvitation);
  EXPECT_EQ(r.state, kSent);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = 'notification.send'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_join_links"), 1);
}

TEST_P(NotificationSenderTest, AFailureIsRetriedWithBackoffThenSucceedsOnce) {
  add_consultation("c1", kNow + 2 * kDay);
  settings().email.clear();
  queue("c1", kInvitation);
  notifier_->script(sdk::Error(sdk::ErrorCode::kUnavailable, "gateway down", true));
  NotificationSender sender(deps());
  EXPECT_EQ(sender.tick(kNow), 1);
  OutboxRow r = row("c1", kInvitation);
  EXPECT_EQ(r.state, kScheduled);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.last_error, "unavailable");
  // initial_delay 30 s, no jitter drawn: the full delay.
  EXPECT_EQ(r.due_at, kNow + 30'000);
  EXPECT_EQ(sender.tick(r.due_at - 1), 0);
  EXPECT_EQ(sender.tick(r.due_at), 1);
  r = row("c1", kInvitation);
  EXPECT_EQ(r.state, kSent);
  EXPECT_EQ(r.attempts, 2);
  const auto sent = notifier_->messages();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].idempotency_key, sent[1].idempotency_key);
  EXPECT_TRUE(alerts_.empty());
}

TEST_P(NotificationSenderTest, OutOfAttemptsOrRefusedIsFailedAlertedAndCounted) {
  add_consultation("c1", kNow + 2 * kDay);
  add_consultation("c2", kNow + 2 * kDay);
  settings().email.clear();
  queue("c1", kInvitation);
  NotificationSender sender(deps());
  for (int i = 0; i < 3; ++i) {
    notifier_->script(sdk::Error(sdk::ErrorCode::kDeadlineExceeded, "slow", true));
  }
  std::int64_t t = kNow;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sender.tick(t), 1);
    t = row("c1", kInvitation).due_at;
  }
  OutboxRow r = row("c1", kInvitation);
  EXPECT_EQ(r.state, kFailed);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.reason, std::string(kSendFailed));
  EXPECT_EQ(r.last_error, "deadline_exceeded");
  // A recipient the provider refuses is not tried again.
  queue("c2", kInvitation, t);
  notifier_->script(sdk::Error(sdk::ErrorCode::kInvalidArgument, "no such number", false));
  EXPECT_EQ(sender.tick(t), 1);
  EXPECT_EQ(row("c2", kInvitation).state, kFailed);
  EXPECT_EQ(row("c2", kInvitation).attempts, 1);
  ASSERT_EQ(alerts_.size(), 2u);
  EXPECT_EQ(alerts_[0].instance, "notify.sms");
  EXPECT_EQ(alerts_[0].consultation_id, "c1");
  EXPECT_EQ(alerts_[0].error_code, "deadline_exceeded");
  EXPECT_EQ(alerts_[1].error_code, "invalid_argument");
  EXPECT_THAT(metrics_.render(), HasSubstr("wasl_notifications_failed_total{channel=\"sms\","
                                           "kind=\"invitation\"} 2"));
}

TEST_P(NotificationSenderTest, AnOptedOutPatientIsSkippedInTheirFacilityOnly) {
  add_consultation("a1", kNow + 2 * kDay);
  add_consultation("b1", kNow + 2 * kDay, kFacilityB);
  {
    auto tx = begin();
    OptOutStore opt_outs(*cipher_);
    // By the patient's iqama/national id written with Arabic-Indic digits.
    ASSERT_OK(opt_outs.put(*tx, kFacilityA, "١٠٩٨٧٦٥٤٣٢", "opt-1", kNow));
    ASSERT_OK(tx->commit());
  }
  queue("a1", kInvitation);
  queue("b1", kInvitation, kNow, kFacilityB);
  NotificationSender sender(deps());
  EXPECT_EQ(sender.tick(kNow), 2);  // facility B's two
  for (const auto& r : rows("a1")) {
    EXPECT_EQ(r.state, kSkipped);
    EXPECT_EQ(r.reason, std::string(kOptOut));
    EXPECT_FALSE(r.prepared);
  }
  for (const auto& r : rows("b1", kFacilityB)) EXPECT_EQ(r.state, kSent);
  EXPECT_THAT(metrics_.render(),
              HasSubstr("wasl_notifications_skipped_total{reason=\"opt_out\"} 2"));
  // An opt-out by the MRN, and its removal.
  add_consultation("a2", kNow + 2 * kDay);
  {
    auto tx = begin();
    OptOutStore opt_outs(*cipher_);
    ASSERT_OK(opt_outs.remove(*tx, kFacilityA, "1098765432"));
    ASSERT_OK(opt_outs.put(*tx, kFacilityA, " mrn-a2 ", "opt-2", kNow));
    ASSERT_OK(tx->commit());
  }
  queue("a2", kInvitation);
  EXPECT_EQ(sender.tick(kNow), 0);
  EXPECT_EQ(row("a2", kInvitation).reason, std::string(kOptOut));
}

TEST_P(NotificationSenderTest, NoAddressOrChannelOrConsultationIsASkip) {
  add_consultation("c1", kNow + 2 * kDay);
  {
    auto tx = begin();
    PatientContact none;  // the EHR knows no e-mail and no phone
    none.phone = "not a phone";
    ASSERT_OK(ContactStore(*cipher_).put(*tx, kFacilityA, "c1", none, kNow));
    ASSERT_OK(tx->commit());
  }
  // The consultation's own summary is the fallback: its e-mail and phone.
  queue("c1", kInvitation);
  NotificationSender sender(deps());
  EXPECT_EQ(sender.tick(kNow), 2);
  // A consultation whose summary and contact have no e-mail.
  domain::Consultation bare =
      records::testing::RecordsDatabaseTest::sample_consultation(kFacilityA, "c2", kNow - kDay);
  bare.patient.summary->email.reset();
  bare.scheduled_at = kNow + 2 * kDay;
  {
    auto tx = begin();
    ASSERT_OK(records::ConsultationStore(*cipher_).insert(*tx, bare));
    ASSERT_OK(tx->commit());
  }
  queue("c2", kInvitation);
  settings().sms.clear();  // the facility stopped sending SMS since
  sender.tick(kNow);
  EXPECT_EQ(row("c2", kInvitation, kEmail).reason, std::string(kNoRecipient));
  EXPECT_EQ(row("c2", kInvitation, kSms).reason, std::string(kNotConfigured));
}

WASL_RECORDS_INSTANTIATE(NotificationSenderTest);

}  // namespace
}  // namespace wasl::notifications::testing
