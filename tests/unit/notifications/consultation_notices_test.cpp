// What a consultation's life queues, on both backends: hub.notify; a
// reschedule moving scheduled reminders and join links and telling a
// patient already told; a cancellation withdrawing scheduled messages,
// ending join links and telling a patient already told (not a no-show's);
// "the clinician is ready" once; a message kind turned off; the patient's
// contact kept from the run's ehr.read_patient; delivery receipts.
#include "hub/notifications/consultation_notices.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/jobs/task_runner.hpp"
#include "hub/notifications/delivery_receipts.hpp"
#include "hub/notifications/join_links.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/notifications/notify_action.hpp"
#include "hub/notifications/patient_contact.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "tests/unit/notifications/notifications_database.hpp"

namespace wasl::notifications::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class ConsultationNoticesTest : public NotificationsDatabaseTest {
 protected:
  // Sends what is due at `now` (the patient is then "told").
  void send_due(std::int64_t now) {
    NotificationSender sender(deps());
    sender.tick(now);
  }

  sdk::Status reschedule(const std::string& id, std::optional<std::int64_t> from, std::int64_t to,
                         std::int64_t now = kNow) {
    auto tx = begin();
    // As the EHR's bookings do: the consultation takes the new start, and
    // its notices follow in the same transaction.
    auto moved = records::ConsultationStore::set_scheduled_at(*tx, kFacilityA, id, to, now);
    if (!moved.ok()) return moved;
    auto done = consultation_rescheduled(*tx, config_, kFacilityA, id, from, to, now);
    if (!done.ok()) return done;
    return tx->commit();
  }

  sdk::Status cancel(const std::string& id, const std::string& reason, std::int64_t now = kNow) {
    auto tx = begin();
    auto done = consultation_cancelled(*tx, config_, kFacilityA, id, reason, now);
    if (!done.ok()) return done;
    return tx->commit();
  }

  std::int64_t link_expiry(const std::string& consultation) {
    return count("SELECT MAX(expires_at) FROM notification_join_links WHERE consultation_id = $1",
                 {consultation});
  }

  int rows_of_kind(const std::string& consultation, std::string_view kind) {
    int n = 0;
    for (const auto& r : rows(consultation)) n += r.kind == kind ? 1 : 0;
    return n;
  }
};

TEST_P(ConsultationNoticesTest, HubNotifyQueuesInTheStepsTransaction) {
  add_consultation("c1", kNow + 2 * kDay);
  workflow::HubActions actions;
  ASSERT_OK(add_notify_action(actions, config_));
  const workflow::HubActions::Entry* notify = actions.find("hub.notify");
  ASSERT_NE(notify, nullptr);
  EXPECT_EQ(notify->mode, workflow::HubActionMode::kInTransaction);
  auto tx = begin();
  workflow::HubActionContext ctx;
  ctx.facility_id = kFacilityA;
  ctx.consultation_id = "c1";
  ctx.now_ms = kNow;
  ctx.tx = tx.get();
  ctx.store = store_.get();
  auto out = notify->action(ctx, json{{"kind", "reminder_1h"}, {"to", "patient"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, (json{{"kind", "reminder_1h"}, {"queued", 2}}));
  auto again = notify->action(ctx, json{{"kind", "reminder_1h"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["queued"], 0);
  EXPECT_EQ(notify->action(ctx, json{{"kind", "diagnosis"}}).error().code,
            sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(notify->action(ctx, json{{"kind", "invitation"}, {"to", "clinician"}}).error().code,
            sdk::ErrorCode::kInvalidArgument);
  tx->rollback();  // the step failed after all: nothing was queued
  EXPECT_TRUE(rows("c1").empty());
  // A run without a consultation queues nothing.
  workflow::HubActionContext bare = ctx;
  auto tx2 = begin();
  bare.tx = tx2.get();
  bare.consultation_id.clear();
  EXPECT_EQ((*notify->action(bare, json{{"kind", "invitation"}}))["queued"], 0);
}

TEST_P(ConsultationNoticesTest, AKindTurnedOffOrAFacilityWithoutSettingsQueuesNothing) {
  add_consultation("c1", kNow + 2 * kDay);
  settings().messages.reminder_24h.enabled = false;
  EXPECT_TRUE(queue("c1", kReminder24h).empty());
  EXPECT_EQ(queue("c1", kReminder1h).size(), 2u);
  config_.facilities.at(kFacilityA).notifications.reset();
  EXPECT_TRUE(queue("c1", kInvitation).empty());
  EXPECT_EQ(rows("c1").size(), 2u);
  // Another facility's consultation is not found.
  auto tx = begin();
  EXPECT_EQ(queue_message(*tx, config_, kFacilityB, "c1", kInvitation, kNow).error().code,
            sdk::ErrorCode::kNotFound);
}

TEST_P(ConsultationNoticesTest, ARescheduleMovesRemindersAndLinksAndTellsAPatientAlreadyTold) {
  const std::int64_t start = kNow + 3 * kDay;
  add_consultation("c1", start);
  queue("c1", kReminder24h);
  queue("c1", kReminder1h);
  // Moved before the patient heard of it: reminders follow, no notice.
  ASSERT_OK(reschedule("c1", start, start + kDay));
  EXPECT_EQ(row("c1", kReminder24h).due_at, start);
  EXPECT_EQ(row("c1", kReminder1h).due_at, start + kDay - kHour);
  EXPECT_EQ(rows_of_kind("c1", kReschedule), 0);

  // Told (the invitation went, with its join link), then moved twice.
  queue("c1", kInvitation);
  send_due(kNow);
  const std::int64_t expiry = link_expiry("c1");
  EXPECT_EQ(expiry, start + kDay + 2 * kHour);  // start + a join token's lifetime
  ASSERT_OK(reschedule("c1", start + kDay, start + 2 * kDay));
  EXPECT_EQ(link_expiry("c1"), expiry + kDay);
  EXPECT_EQ(row("c1", kReminder24h).due_at, start + kDay);
  ASSERT_EQ(rows_of_kind("c1", kReschedule), 2);                    // email and sms
  ASSERT_OK(reschedule("c1", start + 2 * kDay, start + 2 * kDay));  // the same move again
  EXPECT_EQ(rows_of_kind("c1", kReschedule), 2);
  ASSERT_OK(reschedule("c1", start + 2 * kDay, start + kDay + kHour));
  EXPECT_EQ(rows_of_kind("c1", kReschedule), 4);
  int superseded = 0, scheduled = 0;
  for (const auto& r : rows("c1")) {
    if (r.kind != kReschedule) continue;
    if (r.state == kCancelled && r.reason == std::string(kSuperseded)) ++superseded;
    if (r.state == kScheduled) ++scheduled;
  }
  EXPECT_EQ(superseded, 2);
  EXPECT_EQ(scheduled, 2);
  // The notice says the new time.
  send_due(kNow);
  bool told_new_time = false;
  for (const auto& n : notifier_->messages()) {
    told_new_time |= n.body.find("تم تغيير موعد") != std::string::npos;
  }
  EXPECT_TRUE(told_new_time);
}

TEST_P(ConsultationNoticesTest, ACancellationWithdrawsAndTellsAPatientAlreadyTold) {
  add_consultation("told", kNow + 3 * kDay);
  queue("told", kInvitation);
  queue("told", kReminder24h);
  send_due(kNow);
  ASSERT_OK(cancel("told", "appointment_cancelled", kNow + kHour));
  EXPECT_EQ(row("told", kReminder24h).state, kCancelled);
  EXPECT_EQ(row("told", kReminder24h).reason, std::string(kConsultationCancelled));
  EXPECT_EQ(row("told", kCancellation).state, kScheduled);
  EXPECT_EQ(row("told", kCancellation).due_at, kNow + kHour);
  EXPECT_EQ(link_expiry("told"), kNow + kHour);                          // the link is dead
  ASSERT_OK(cancel("told", "appointment_cancelled", kNow + 2 * kHour));  // again: once
  EXPECT_EQ(rows_of_kind("told", kCancellation), 2);
  // Sent although the consultation is cancelled; it carries no join link.
  send_due(kNow + kHour);
  EXPECT_EQ(row("told", kCancellation).state, kSent);
  EXPECT_THAT(notifier_->messages().back().body, ::testing::Not(HasSubstr("/join/")));

  // Never told: nothing to withdraw. A no-show: no notice.
  add_consultation("untold", kNow + 3 * kDay);
  queue("untold", kReminder1h);
  ASSERT_OK(cancel("untold", "patient_request"));
  EXPECT_EQ(rows_of_kind("untold", kCancellation), 0);
  EXPECT_EQ(row("untold", kReminder1h).state, kCancelled);
  add_consultation("no-show", kNow + 3 * kDay);
  queue("no-show", kInvitation);
  send_due(kNow);
  ASSERT_OK(cancel("no-show", "no_show"));
  EXPECT_EQ(rows_of_kind("no-show", kCancellation), 0);
}

TEST_P(ConsultationNoticesTest, AFacilitysReminderLeadsAreItsOwn) {
  settings().messages.reminder_24h.before = std::chrono::minutes(40);
  settings().messages.reminder_1h.before = std::chrono::minutes(20);
  add_consultation("c1", kNow + kHour);
  queue("c1", kReminder24h);
  queue("c1", kReminder1h);
  EXPECT_EQ(row("c1", kReminder24h).due_at, kNow + 20 * 60'000);
  EXPECT_EQ(row("c1", kReminder1h).due_at, kNow + 40 * 60'000);
  ASSERT_OK(reschedule("c1", kNow + kHour, kNow + 2 * kHour));
  EXPECT_EQ(row("c1", kReminder1h).due_at, kNow + 100 * 60'000);
  NotificationSender sender(deps());
  EXPECT_EQ(sender.tick(kNow + 80 * 60'000), 2);
  EXPECT_EQ(row("c1", kReminder24h).state, kSent);
  EXPECT_EQ(row("c1", kReminder1h).state, kScheduled);
}

TEST_P(ConsultationNoticesTest, TheClinicianIsReadyOncePerConsultation) {
  add_consultation("c1", kNow + kHour);
  for (int i = 0; i < 3; ++i) {
    auto tx = begin();
    ASSERT_OK(clinician_admitted(*tx, config_, kFacilityA, "c1", kNow + i));
    ASSERT_OK(tx->commit());
  }
  EXPECT_EQ(rows_of_kind("c1", kClinicianReady), 2);
  EXPECT_EQ(row("c1", kClinicianReady).due_at, kNow);
}

TEST_P(ConsultationNoticesTest, ThePatientsContactIsKeptFromTheRunsReadOfThePatient) {
  add_consultation("c1", kNow + kDay);  // its patient is Patient/7
  sdk::PatientSummary patient;
  patient.id = "7";
  patient.email = "Fatimah@Example.SA";
  patient.phone = "050 123 4567";
  patient.language = "en";
  patient.identifiers = {{"urn:nid", "1098765432"}};
  auto observe = [&](const std::string& facility, const std::string& consultation,
                     const sdk::PatientSummary& p) {
    auto tx = begin();
    workflow::HubActionContext ctx;
    ctx.facility_id = facility;
    ctx.consultation_id = consultation;
    ctx.now_ms = kNow;
    ctx.tx = tx.get();
    ctx.run_id = "run-1";
    EXPECT_OK(record_patient_contact(config_, *cipher_, audit_.get(), ctx, json{{"id", p.id}},
                                     sdk::Result<json>(json(p))));
    EXPECT_OK(tx->commit());
  };
  observe(kFacilityA, "c1", patient);
  auto tx = begin();
  auto kept = ContactStore(*cipher_).get(*tx, kFacilityA, "c1");
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(kept->has_value());
  EXPECT_EQ((*kept)->email, "Fatimah@Example.SA");
  EXPECT_EQ((*kept)->phone, "+966501234567");
  EXPECT_EQ((*kept)->language, "en");
  EXPECT_EQ((*kept)->patient_indexes, patient_indexes(*cipher_, "1098765432"));
  tx->rollback();
  EXPECT_THAT(raw_bytes("SELECT * FROM notification_contacts"),
              ::testing::Not(HasSubstr("Example.SA")));
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_events WHERE action = "
                  "'notification_contact.record' AND actor = 'workflow:run-1'"),
            1);
  EXPECT_THAT(raw_bytes("SELECT detail FROM audit_events"), ::testing::Not(HasSubstr("Example")));
  // Another patient read by the run is not the consultation's.
  sdk::PatientSummary relative = patient;
  relative.id = "8";
  relative.email = "relative@example.sa";
  observe(kFacilityA, "c1", relative);
  auto tx2 = begin();
  EXPECT_EQ((*ContactStore(*cipher_).get(*tx2, kFacilityA, "c1"))->email, "Fatimah@Example.SA");
  tx2->rollback();
  // A facility that sends nothing keeps nothing.
  config_.facilities.at(kFacilityA).notifications.reset();
  add_consultation("c2", kNow + kDay);
  observe(kFacilityA, "c2", patient);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notification_contacts"), 1);
}

TEST_P(ConsultationNoticesTest, ReceiptsSettleTheFacilitysSentMessage) {
  add_consultation("c1", kNow + 2 * kDay);
  settings().email.clear();
  queue("c1", kInvitation);
  queue("c1", kReminder24h);
  send_due(kNow);
  const OutboxRow sent = row("c1", kInvitation);
  ASSERT_EQ(sent.state, kSent);
  auto receipt = [&](const std::string& type, const std::string& facility,
                     const std::string& instance, const std::string& provider_id) {
    workflow::IncomingEvent event;
    event.facility_id = facility;
    event.type = type;
    event.correlation = provider_id;
    auto tx = begin();
    auto taken = take_receipt(*tx, instance, event);
    if (taken.ok()) EXPECT_OK(tx->commit());
    return taken;
  };
  // The tasks the receipts' transactions asked for, run as the hub's task
  // runner would after their commits.
  jobs::TaskRunner tasks(*store_, jobs::TaskRunnerOptions{});
  ASSERT_OK(tasks.handle(kUndeliveredTask, std::make_shared<UndeliveredAlerter>(
                                               &metrics_, [this](const NotificationAlert& a) {
                                                 alerts_.push_back(a);
                                               })));
  auto run_tasks = [&] {
    int ran = 0;
    for (;;) {
      auto one = tasks.run_once();
      EXPECT_TRUE(one.ok()) << one.error().message;
      if (!one.ok() || !*one) return ran;
      ++ran;
    }
  };
  // Another facility's, another instance's and an unknown id are not taken.
  EXPECT_FALSE(*receipt("notification.delivered", kFacilityB, "notify.sms", *sent.provider_id));
  EXPECT_FALSE(*receipt("notification.delivered", kFacilityA, "notify.mail", *sent.provider_id));
  EXPECT_FALSE(*receipt("notification.delivered", kFacilityA, "notify.sms", "unknown"));
  EXPECT_EQ(row("c1", kInvitation).state, kSent);
  EXPECT_TRUE(*receipt("notification.delivered", kFacilityA, "notify.sms", *sent.provider_id));
  EXPECT_EQ(row("c1", kInvitation).state, kDelivered);
  EXPECT_TRUE(row("c1", kInvitation).settled_at.has_value());
  // A late failure receipt of a delivered message changes nothing.
  EXPECT_TRUE(*receipt("notification.failed", kFacilityA, "notify.sms", *sent.provider_id));
  EXPECT_EQ(row("c1", kInvitation).state, kDelivered);
  EXPECT_EQ(run_tasks(), 0);
  EXPECT_TRUE(alerts_.empty());

  // A failed delivery is failed and alerted.
  send_due(kNow + 2 * kDay - kDay);
  const OutboxRow reminder = row("c1", kReminder24h);
  ASSERT_EQ(reminder.state, kSent);
  EXPECT_TRUE(*receipt("notification.failed", kFacilityA, "notify.sms", *reminder.provider_id));
  EXPECT_EQ(row("c1", kReminder24h).state, kFailed);
  EXPECT_EQ(row("c1", kReminder24h).reason, std::string(kUndelivered));
  // Raised after the commit, once: a dispatch rolled back before its
  // commit raises nothing, and a repeated receipt asks for nothing more.
  EXPECT_TRUE(alerts_.empty());
  {
    workflow::IncomingEvent again;
    again.facility_id = kFacilityA;
    again.type = "notification.failed";
    again.correlation = *reminder.provider_id;
    auto tx = begin();
    ASSERT_TRUE(*take_receipt(*tx, "notify.sms", again));
    tx->rollback();
  }
  EXPECT_TRUE(*receipt("notification.failed", kFacilityA, "notify.sms", *reminder.provider_id));
  EXPECT_EQ(run_tasks(), 1);
  ASSERT_EQ(alerts_.size(), 1u);
  EXPECT_EQ(alerts_[0].notification_id, reminder.id);
  EXPECT_THAT(metrics_.render(), HasSubstr("wasl_notifications_failed_total{channel=\"sms\","
                                           "kind=\"reminder_24h\"} 1"));

  // A receipt that comes before the hub recorded the provider's id is
  // retried by the dispatcher, not dropped.
  add_consultation("c2", kNow + 2 * kDay);
  queue("c2", kInvitation);
  notifier_->on_send = [](const sdk::Notification&) { throw Killed{}; };
  NotificationSender dying(deps());
  EXPECT_THROW(dying.tick(kNow), Killed);
  notifier_->on_send = nullptr;
  auto early = receipt("notification.delivered", kFacilityA, "notify.sms", "prov-not-yet");
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(early.error().retryable);
  EXPECT_FALSE(*receipt("appointment.updated", kFacilityA, "notify.sms", *sent.provider_id));

  // So is one that comes while the message waits for another attempt after
  // an answer lost once the provider had taken it (the next attempt gets
  // the provider's id back).
  add_consultation("c3", kNow + 2 * kDay, kFacilityB);
  settings(kFacilityB).email.clear();
  queue("c3", kInvitation, kNow, kFacilityB);
  notifier_->script(sdk::Error(sdk::ErrorCode::kDeadlineExceeded, "no answer in time", true));
  send_due(kNow);
  const OutboxRow retrying = row("c3", kInvitation, kSms, kFacilityB);
  ASSERT_EQ(retrying.state, kScheduled);
  ASSERT_EQ(retrying.attempts, 1);
  auto lost = receipt("notification.delivered", kFacilityB, "notify.sms-b", "prov-lost-answer");
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.error().retryable);
}

TEST_P(ConsultationNoticesTest, JoinLinksAreStoredHashedAndResolveUntilTheyExpire) {
  auto tx = begin();
  auto code = JoinLinks::mint(*tx, JoinLinkRow{kFacilityA, "c1", "n1", kNow + kHour}, kNow);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->size(), 43u);  // 32 bytes, base64url
  ASSERT_OK(tx->commit());
  EXPECT_THAT(raw_bytes("SELECT * FROM notification_join_links"), ::testing::Not(HasSubstr(*code)));
  auto tx2 = begin();
  auto found = JoinLinks::resolve(*tx2, *code);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->consultation_id, "c1");
  EXPECT_EQ((*found)->expires_at, kNow + kHour);
  EXPECT_FALSE(JoinLinks::resolve(*tx2, "not-a-code")->has_value());
  EXPECT_FALSE(JoinLinks::resolve(*tx2, "")->has_value());
  ASSERT_OK(JoinLinks::shift(*tx2, kFacilityB, "c1", kDay));  // another facility's: nothing
  ASSERT_OK(JoinLinks::shift(*tx2, kFacilityA, "c1", kDay));
  EXPECT_EQ((*JoinLinks::resolve(*tx2, *code))->expires_at, kNow + kHour + kDay);
  ASSERT_OK(JoinLinks::expire(*tx2, kFacilityA, "c1", kNow));
  EXPECT_EQ((*JoinLinks::resolve(*tx2, *code))->expires_at, kNow);
  EXPECT_EQ(JoinLinks::link("https://portal.example.sa/j/{code}?x=1", "abc"),
            "https://portal.example.sa/j/abc?x=1");
}

WASL_RECORDS_INSTANTIATE(ConsultationNoticesTest);

}  // namespace
}  // namespace wasl::notifications::testing
