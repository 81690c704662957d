// The notifications routes on both backends: a consultation's messages
// listed without recipient or text; patient opt-outs put, read and removed
// by identifier, audited without it; the public join link answering while
// it works and 410 after; another facility's key answers 404 on every one.
// And the API's own hooks: a clinician admitted queues "the clinician is
// ready", a cancellation withdraws what is scheduled and tells a patient
// already told.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/notifications/consultation_notices.hpp"
#include "hub/notifications/join_links.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using ::testing::HasSubstr;
using ::testing::Not;

class NotificationRoutesTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* f : {kFacilityA, kFacilityB}) {
      config::FacilityNotificationsConfig n;
      n.email = "notify.mail";
      n.sms = "notify.sms";
      config_.facilities[f].notifications = n;
    }
    context_.notifications_queued = [this] { ++woken_; };
    id_ = create_id("booking");
  }

  std::vector<std::string> queue(const std::string& id, std::string_view kind) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto queued = notifications::queue_message(**tx, config_, kFacilityA, id, kind, kNow);
    EXPECT_TRUE(queued.ok()) << queued.error().message;
    EXPECT_TRUE((*tx)->commit().ok());
    return queued.ok() ? *queued : std::vector<std::string>{};
  }

  std::string mint(const std::string& consultation, std::int64_t expires_at) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto code =
        notifications::JoinLinks::mint(**tx, {kFacilityA, consultation, "n-1", expires_at}, kNow);
    EXPECT_TRUE(code.ok());
    EXPECT_TRUE((*tx)->commit().ok());
    return code.value_or("");
  }

  std::int64_t count_kind(const std::string& id, const std::string& kind,
                          const std::string& state) {
    return scalar(
        "SELECT COUNT(*) FROM notification_outbox WHERE consultation_id = $1 AND "
        "kind = $2 AND state = $3",
        {id, kind, state});
  }

  std::string id_;
  std::atomic<int> woken_{0};
};

TEST_P(NotificationRoutesTest, ListsAConsultationsMessagesWithoutRecipientOrText) {
  queue(id_, "invitation");
  queue(id_, "reminder_1h");
  const std::string path = "/v1/consultations/" + id_ + "/notifications";
  http::Response r = send({"GET", path}, Role::kHospital);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json items = body_of(r)["items"];
  ASSERT_EQ(items.size(), 4u);
  std::set<std::string> kinds;
  for (const auto& item : items) {
    kinds.insert(item["kind"].get<std::string>() + "/" + item["channel"].get<std::string>());
    EXPECT_EQ(item["state"], "scheduled");
    EXPECT_EQ(item["attempts"], 0);
    EXPECT_TRUE(item["sent_at"].is_null());
    EXPECT_FALSE(item.contains("recipient"));
    EXPECT_FALSE(item.contains("body"));
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"invitation/email", "invitation/sms", "reminder_1h/email",
                                          "reminder_1h/sms"}));
  EXPECT_THAT(r.body, Not(HasSubstr("0501234567")));
  EXPECT_EQ(audit_count("notification.list"), 1);
  EXPECT_EQ(send({"GET", path}, Role::kClinician).status, 200);
  EXPECT_EQ(send({"GET", path}, Role::kAuditor).status, 403);
  // Another facility's key: 404, as for a consultation that does not exist.
  http::Response other = send({"GET", path}, Role::kHospital, /*facility_b=*/true);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(send({"GET", "/v1/consultations/nope/notifications"}, Role::kHospital).status, 404);
}

TEST_P(NotificationRoutesTest, OptOutsArePutReadAndRemovedByIdentifierInTheFacilityOnly) {
  const std::string path = "/v1/notification-opt-outs/1098765432";
  http::Response put = send({"PUT", path}, Role::kHospital);
  ASSERT_EQ(put.status, 201) << put.body;
  const std::string opt_out = body_of(put)["id"];
  EXPECT_EQ(body_of(put)["opted_out"], true);
  // The same patient by another spelling of their national id: the same one.
  http::Response arabic = send({"PUT", "/v1/notification-opt-outs/١٠٩٨٧٦٥٤٣٢"}, Role::kHospital);
  ASSERT_EQ(arabic.status, 200) << arabic.body;
  EXPECT_EQ(body_of(arabic)["id"], opt_out);
  EXPECT_EQ(send({"GET", path}, Role::kHospital).status, 200);
  EXPECT_EQ(send({"GET", path}, Role::kIntegrator).status, 200);
  EXPECT_EQ(send({"GET", path}, Role::kClinician).status, 403);

  // Another facility's key: not found there, and cannot remove it.
  http::Response other = send({"GET", path}, Role::kHospital, /*facility_b=*/true);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(send({"DELETE", path}, Role::kHospital, true).status, 404);
  EXPECT_EQ(send({"GET", path}, Role::kHospital).status, 200);

  http::Response removed = send({"DELETE", path}, Role::kHospital);
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(body_of(removed)["opted_out"], false);
  EXPECT_EQ(send({"GET", path}, Role::kHospital).status, 404);
  EXPECT_EQ(send({"DELETE", path}, Role::kHospital).status, 404);

  EXPECT_EQ(
      send({"PUT", "/v1/notification-opt-outs/" + std::string(65, '1')}, Role::kHospital).status,
      400);
  EXPECT_EQ(audit_count("notification_opt_out.put"), 2);
  EXPECT_EQ(audit_count("notification_opt_out.delete"), 1);
  // The identifier is kept only as its blind index, and audited never.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%1098765432%' OR "
                   "entity_id LIKE '%1098765432%'"),
            0);
}

TEST_P(NotificationRoutesTest, AJoinLinkAnswersWhileItWorksWithoutAKey) {
  const std::string working = mint(id_, kNow + 3'600'000);
  http::Response r = send({"GET", "/join/" + working}, std::nullopt);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = body_of(r);
  EXPECT_EQ(body["consultation_id"], id_);
  EXPECT_EQ(body["facility"]["id"], kFacilityA);
  EXPECT_EQ(body["status"], "scheduled");
  EXPECT_EQ(body["expires_at"], iso(kNow + 3'600'000));
  EXPECT_THAT(r.body, Not(HasSubstr(kArabicName)));
  EXPECT_THAT(r.body, Not(HasSubstr("1098765432")));
  EXPECT_EQ(r.headers.find("Cache-Control")->second, "no-store");
  EXPECT_EQ(audit_count("join_link.resolve"), 1);

  const std::string expired = mint(id_, kNow);
  http::Response gone = send({"GET", "/join/" + expired}, std::nullopt);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(send({"GET", "/join/no-such-code"}, std::nullopt).status, 404);

  // A cancelled consultation's link is gone at once.
  ASSERT_EQ(send({"POST", "/v1/consultations/" + id_ + "/cancel"}, Role::kHospital).status, 202);
  EXPECT_EQ(send({"GET", "/join/" + working}, std::nullopt).status, 410);
}

TEST_P(NotificationRoutesTest, AClinicianAdmittedQueuesTheClinicianIsReadyOnce) {
  open_room(id_);
  const std::string path = "/v1/consultations/" + id_ + "/participants";
  http::Response patient =
      send({"POST", path, nlohmann::json{{"role", "patient"}, {"display_name", "P"}}.dump()},
           Role::kHospital);
  ASSERT_EQ(patient.status, 201) << patient.body;
  EXPECT_EQ(count_kind(id_, "clinician_ready", "scheduled"), 0);  // a patient waits
  http::Response doctor =
      send({"POST", path, nlohmann::json{{"role", "doctor"}, {"display_name", "د. أحمد"}}.dump()},
           Role::kClinician);
  ASSERT_EQ(doctor.status, 201) << doctor.body;
  EXPECT_EQ(count_kind(id_, "clinician_ready", "scheduled"), 2);
  EXPECT_EQ(woken_.load(), 1);
  const std::string pid = body_of(doctor)["id"];
  ASSERT_EQ(send({"POST", path + "/" + pid + "/admit"}, Role::kClinician).status, 200);
  EXPECT_EQ(count_kind(id_, "clinician_ready", "scheduled"), 2);  // once per consultation
}

TEST_P(NotificationRoutesTest, ACancellationWithdrawsWhatIsScheduledAndTellsAPatientAlreadyTold) {
  queue(id_, "invitation");
  queue(id_, "reminder_1h");
  // The invitation went out (as the sender records it).
  exec("UPDATE notification_outbox SET state = 'sent' WHERE kind = 'invitation'");
  ASSERT_EQ(send({"POST", "/v1/consultations/" + id_ + "/cancel"}, Role::kHospital).status, 202);
  EXPECT_EQ(count_kind(id_, "reminder_1h", "cancelled"), 2);
  EXPECT_EQ(count_kind(id_, "cancellation", "scheduled"), 2);
  EXPECT_GE(woken_.load(), 1);
  // Never told: no notice.
  const std::string other = create_id("booking-2", false, booking("43"));
  queue(other, "reminder_24h");
  ASSERT_EQ(send({"POST", "/v1/consultations/" + other + "/cancel"}, Role::kHospital).status, 202);
  EXPECT_EQ(count_kind(other, "cancellation", "scheduled"), 0);
  EXPECT_EQ(count_kind(other, "reminder_24h", "cancelled"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationRoutesTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
