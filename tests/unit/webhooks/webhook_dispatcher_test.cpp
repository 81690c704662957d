#include "hub/webhooks/webhook_dispatcher.hpp"

#include <atomic>

#include "hub/webhooks/inbox_event.hpp"
#include "hub/workflow/row_id.hpp"
#include "tests/unit/webhooks/webhook_fixture.hpp"

namespace wasl::webhooks::testing {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;

class WebhookDispatcherTest : public WebhookFixture {
 protected:
  void SetUp() override {
    WebhookFixture::SetUp();
    if (HasFatalFailure()) return;
    start_engine();
  }

  // A dispatcher whose deliveries fail `failures` times (kUnavailable) before
  // reaching the real engine; negative = always fail.
  void make_dispatcher(int failures = 0, WebhookDispatcherOptions options = fast()) {
    failures_left_ = failures;
    EventDelivery real = deliver_to(*engine_);
    dispatcher_ = std::make_unique<WebhookDispatcher>(
        *store_, *inbox_, *sources_,
        [this, real](const std::string& f, const std::string& t, const std::string& c,
                     const nlohmann::json& p, const std::string& d)
            -> sdk::Result<workflow::DeliveredEvent> {
          ++deliveries_;
          if (failures_left_ != 0) {
            if (failures_left_ > 0) --failures_left_;
            return sdk::Error(sdk::ErrorCode::kUnavailable, "engine store unreachable", true);
          }
          return real(f, t, c, p, d);
        },
        options, &metrics_);
  }

  static WebhookDispatcherOptions fast() {
    WebhookDispatcherOptions o;
    o.poll_interval = std::chrono::milliseconds(20);
    o.max_attempts = 3;
    o.initial_backoff = std::chrono::milliseconds(0);
    return o;
  }

  DispatchPass pass() {
    auto p = dispatcher_->dispatch_once();
    EXPECT_TRUE(p.ok()) << p.error().message;
    return p.ok() ? *p : DispatchPass{};
  }

  std::atomic<int> failures_left_{0};
  std::atomic<int> deliveries_{0};
};

TEST_P(WebhookDispatcherTest, DeliversAnAcceptedWebhookToTheWaitingRun) {
  make_dispatcher();
  ASSERT_TRUE(dispatcher_->start().ok());
  start_server();
  std::string run = start_waiting_run(kFacilityA, "Appointment/42");
  Reply r = post_hospital(kFacilityA, "msg_run", appointment_body("Appointment/42"));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(inbox_state("msg_run", "dispatched"), "dispatched");
  EXPECT_EQ(run_status(run, {"succeeded", "failed"}), "succeeded");
  auto timeline = engine_->timeline(run);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->events.size(), 1u);
  EXPECT_EQ(timeline->events[0].correlation, "Appointment/42");
}

TEST_P(WebhookDispatcherTest, AnEventNoRunWaitsForIsKeptAsUnmatchedAndTakenByALaterWait) {
  make_dispatcher();
  start_server();
  ASSERT_EQ(post_hospital(kFacilityA, "msg_early", appointment_body("Appointment/early")).status,
            202);
  DispatchPass p = pass();
  EXPECT_EQ(p.unmatched, 1);
  EXPECT_EQ(inbox_rows("dedupe_key = 'msg_early' AND state = 'unmatched'"), 1);
  // The engine kept the event: a run that starts waiting for it now gets it.
  workflow::StartRunRequest request;
  request.workflow = "waiter";
  request.facility_id = kFacilityA;
  request.trigger = {{"appointment", "Appointment/early"}};
  auto run = engine_->start_run(request);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run_status(*run, {"succeeded", "failed"}), "succeeded");
}

TEST_P(WebhookDispatcherTest, FailuresAreRetriedThenParkedNeverLost) {
  make_dispatcher(-1);
  start_server();
  ASSERT_EQ(post_hospital(kFacilityA, "msg_fail", appointment_body("Appointment/1")).status, 202);
  EXPECT_EQ(pass().failed, 1);
  EXPECT_EQ(pass().failed, 1);
  EXPECT_EQ(pass().parked, 1);
  EXPECT_EQ(pass().processed(), 0);
  auto rows = query_raw("SELECT state, attempts, last_error FROM inbox WHERE dedupe_key = 'msg_fail'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get_text("state").value(), "parked");
  EXPECT_EQ(rows[0].get_int("attempts").value(), 3);
  EXPECT_EQ(rows[0].get_text("last_error").value(),
            "delivery to the workflow engine failed: engine store unreachable");
  EXPECT_EQ(deliveries_.load(), 3);
}

TEST_P(WebhookDispatcherTest, ARetryAfterFailuresReachesTheRun) {
  make_dispatcher(2);
  start_server();
  std::string run = start_waiting_run(kFacilityA, "Appointment/7");
  ASSERT_EQ(post_hospital(kFacilityA, "msg_flaky", appointment_body("Appointment/7")).status, 202);
  EXPECT_EQ(pass().failed, 1);
  EXPECT_EQ(pass().failed, 1);
  EXPECT_EQ(pass().dispatched, 1);
  EXPECT_EQ(run_status(run, {"succeeded", "failed"}), "succeeded");
}

TEST_P(WebhookDispatcherTest, BackoffDefersTheNextAttempt) {
  auto options = fast();
  options.initial_backoff = std::chrono::hours(1);
  make_dispatcher(-1, options);
  start_server();
  ASSERT_EQ(post_hospital(kFacilityA, "msg_later", appointment_body("Appointment/1")).status, 202);
  EXPECT_EQ(pass().failed, 1);
  DispatchPass second = pass();
  EXPECT_EQ(second.processed(), 0);
  EXPECT_EQ(second.waiting, 1);
  EXPECT_EQ(deliveries_.load(), 1);
  EXPECT_EQ(inbox_rows("dedupe_key = 'msg_later' AND state = 'received' AND attempts = 1"), 1);
}

TEST_P(WebhookDispatcherTest, ANewDispatcherResumesFromTheInboxAndDeduplicatesRedelivery) {
  start_server();
  std::string run = start_waiting_run(kFacilityA, "Appointment/9");
  ASSERT_EQ(post_hospital(kFacilityA, "msg_restart", appointment_body("Appointment/9")).status,
            202);
  // A previous process delivered the event and died before recording it.
  auto entries = [&] {
    auto tx = begin();
    auto list = inbox_->list(*tx, kFacilityA, records::InboxState::kReceived, 10);
    EXPECT_TRUE(list.ok());
    return list.ok() ? *list : std::vector<records::InboxEntry>{};
  }();
  ASSERT_EQ(entries.size(), 1u);
  auto stored = stored_event(entries[0]);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  nlohmann::json event = *stored;
  auto first = engine_->deliver_event(kFacilityA, "appointment.updated", "Appointment/9", event,
                                      "hospital.fac-a/fac-a/msg_restart");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->matched_run, run);

  make_dispatcher();
  DispatchPass p = pass();
  EXPECT_EQ(p.dispatched, 1);  // the engine reports the run it matched before
  EXPECT_EQ(inbox_rows("dedupe_key = 'msg_restart' AND state = 'dispatched'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events"), 1);
}

TEST_P(WebhookDispatcherTest, AnInstanceServingTwoFacilitiesDeliversToEach) {
  make_dispatcher();
  start_server();
  std::string run = start_waiting_run(kFacilityB, "Appointment/shared");
  std::string body =
      R"({"events":[{"type":"appointment.updated","resource_id":"Appointment/shared",)"
      R"("dedupe_key":"e1"}]})";
  ASSERT_EQ(send("POST", "/v1/webhooks/video.shared", {{"X-Test-Signature", "good"}}, body).status,
            202);
  DispatchPass p = pass();
  EXPECT_EQ(p.dispatched, 1);  // fac-b's run took it; fac-a keeps its copy for a later wait
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events WHERE dedupe_key IN "
                   "('video.shared/fac-a/e1', 'video.shared/fac-b/e1')"),
            2);
  EXPECT_EQ(run_status(run, {"succeeded", "failed"}), "succeeded");
}

TEST_P(WebhookDispatcherTest, ARowWithoutAReadableEventIsParkedAtOnce) {
  make_dispatcher();
  records::InboxEntry e;
  e.id = workflow::new_row_id();
  e.instance = "hospital.fac-a";
  e.dedupe_key = "broken";
  e.facility_id = kFacilityA;
  e.received_at = 1;
  e.body = "{}";
  {
    auto tx = begin();
    ASSERT_TRUE(inbox_->insert(*tx, e).ok());
    ASSERT_TRUE(tx->commit().ok());
  }
  EXPECT_EQ(pass().parked, 1);
  EXPECT_EQ(inbox_rows("dedupe_key = 'broken' AND state = 'parked' AND attempts = 1"), 1);
  EXPECT_EQ(deliveries_.load(), 0);
}

WASL_RECORDS_INSTANTIATE(WebhookDispatcherTest);

}  // namespace
}  // namespace wasl::webhooks::testing
