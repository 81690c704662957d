#include "hub/webhooks/webhook_dispatcher.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "hub/storage/row_id.hpp"
#include "hub/webhooks/inbox_event.hpp"
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
    start_engine(engine_workers());
  }

  // Tests that check what one dispatch commit does run with no engine workers.
  static int engine_workers() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->name()).find("WithoutAWorker") != std::string::npos ? 0 : 1;
  }

  // Stores an inbox row as the ingress would, for events posted without HTTP.
  // `poison` stores a one-byte body ciphertext instead, in the same
  // transaction, so a running dispatcher never sees the row readable.
  void insert_row(const std::string& dedupe, const std::string& correlation,
                  std::int64_t received_at = 1, bool poison = false) {
    records::InboxEntry e;
    e.id = storage::new_row_id().value();
    e.instance = "hospital.fac-a";
    e.dedupe_key = dedupe;
    e.facility_id = kFacilityA;
    e.received_at = received_at;
    e.body = appointment_body(correlation);
    e.event_type = "appointment.updated";
    e.correlation = correlation;
    sdk::Event event;
    event.type = "appointment.updated";
    event.resource_id = correlation;
    event.dedupe_key = dedupe;
    event.payload = nlohmann::json::parse(e.body);
    e.headers[std::string(kEventPseudoHeader)] = nlohmann::json(event).dump();
    auto tx = begin();
    ASSERT_TRUE(inbox_->insert(*tx, e).ok());
    if (poison) {
      ASSERT_TRUE(tx->exec("UPDATE inbox SET body_enc = $1 WHERE id = $2",
                           {storage::Blob{std::string(1, '\x07')}, e.id})
                      .ok());
    }
    ASSERT_TRUE(tx->commit().ok());
  }

  // A dispatcher whose deliveries fail `failures` times (kUnavailable, per
  // event) before reaching the real engine; negative = always fail.
  void make_dispatcher(int failures = 0, WebhookDispatcherOptions options = fast()) {
    failures_left_ = failures;
    EventSink real = to_engine(*engine_);
    EventSink sink;
    sink.deliver = [this, real](storage::Transaction& tx,
                                const std::vector<workflow::IncomingEvent>& events)
        -> sdk::Result<std::vector<sdk::Result<workflow::DeliveredEvent>>> {
      deliveries_ += static_cast<int>(events.size());
      if (failures_left_ != 0) {
        if (failures_left_ > 0) --failures_left_;
        return std::vector<sdk::Result<workflow::DeliveredEvent>>(
            events.size(),
            sdk::Error(sdk::ErrorCode::kUnavailable, "engine store unreachable", true));
      }
      return real.deliver(tx, events);
    };
    sink.committed = real.committed;
    dispatcher_ = std::make_unique<WebhookDispatcher>(*store_, *inbox_, *sources_, std::move(sink),
                                                      options, &metrics_, audit_.get());
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
  auto rows =
      query_raw("SELECT state, attempts, last_error FROM inbox WHERE dedupe_key = 'msg_fail'");
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
  e.id = storage::new_row_id().value();
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

TEST_P(WebhookDispatcherTest, APoisonRowIsParkedAuditedAndTheRestKeepFlowing) {
  make_dispatcher();
  ASSERT_TRUE(dispatcher_->start().ok());
  start_server();
  std::string run = start_waiting_run(kFacilityA, "Appointment/after-poison");
  insert_row("poison", "Appointment/x", 1, /*poison=*/true);
  ASSERT_EQ(
      post_hospital(kFacilityA, "msg_behind", appointment_body("Appointment/after-poison")).status,
      202);
  EXPECT_EQ(inbox_state("msg_behind", "dispatched"), "dispatched");
  EXPECT_EQ(run_status(run, {"succeeded", "failed"}), "succeeded");
  EXPECT_EQ(inbox_rows("dedupe_key = 'poison' AND state = 'parked' AND attempts = 1"), 1);
  auto error = query_raw("SELECT last_error FROM inbox WHERE dedupe_key = 'poison'");
  ASSERT_EQ(error.size(), 1u);
  EXPECT_NE(error[0].get_text(0).value_or("").find("cannot be read"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.parked' AND "
                   "facility_id = 'fac-a'"),
            1);
  // Parked, it is listed and replayable like an unmatched one.
  Reply listed = send("GET", "/v1/webhooks/unmatched?state=parked",
                      {{"Authorization", "Bearer fac-a:integrator"}}, "");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["items"].size(), 1u);
  std::string id = listed.json()["items"][0]["id"];
  Reply replayed = send("POST", "/v1/webhooks/unmatched/" + id + "/replay",
                        {{"Authorization", "Bearer fac-a:integrator"}}, "");
  EXPECT_EQ(replayed.status, 202) << replayed.body;
}

TEST_P(WebhookDispatcherTest, ARowThatBreaksItsBatchTransactionIsIsolatedAndTheRestGoOn) {
  // Delivering this row's event runs a statement that fails inside the batch
  // transaction (on PostgreSQL that aborts the whole transaction).
  EventSink real = to_engine(*engine_);
  EventSink sink;
  sink.deliver = [real](storage::Transaction& tx,
                        const std::vector<workflow::IncomingEvent>& events)
      -> sdk::Result<std::vector<sdk::Result<workflow::DeliveredEvent>>> {
    for (const auto& event : events) {
      if (event.correlation != "Appointment/breaks") continue;
      auto broken = tx.query("SELECT no_such_column FROM inbox");
      if (broken.ok()) return sdk::Error(sdk::ErrorCode::kInternal, "expected a failure", false);
      return broken.error();
    }
    return real.deliver(tx, events);
  };
  sink.committed = real.committed;
  dispatcher_ = std::make_unique<WebhookDispatcher>(*store_, *inbox_, *sources_, std::move(sink),
                                                    fast(), &metrics_, audit_.get());
  for (int i = 0; i < 3; ++i)
    insert_row("good-" + std::to_string(i), "Appointment/g" + std::to_string(i), 1 + i);
  insert_row("breaks", "Appointment/breaks", 2);

  auto first = dispatcher_->dispatch_once();
  EXPECT_FALSE(first.ok());  // the whole batch rolled back
  EXPECT_EQ(inbox_rows("state = 'received' AND attempts = 0"), 4);

  // Its rows are then taken one per transaction: the good ones go on, the
  // breaking one is retried with its own attempt count until it is parked
  // (a retry may fail a batch again, which is isolated again).
  for (int pass_no = 0; pass_no < 30 && inbox_rows("state = 'received'") > 0; ++pass_no) {
    (void)dispatcher_->dispatch_once();
  }
  EXPECT_EQ(inbox_rows("dedupe_key LIKE 'good-%' AND state = 'unmatched' AND attempts = 1"), 3);
  EXPECT_EQ(inbox_rows("dedupe_key = 'breaks' AND state = 'parked' AND attempts = 3"), 1);
  auto error = query_raw("SELECT last_error FROM inbox WHERE dedupe_key = 'breaks'");
  ASSERT_EQ(error.size(), 1u);
  EXPECT_NE(error[0].get_text(0).value_or("").find("dispatch failed and was rolled back"),
            std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.parked' AND "
                   "facility_id = 'fac-a'"),
            1);
}

TEST_P(WebhookDispatcherTest, BackoffIsStoredWithTheRowAndOutlivesTheDispatcher) {
  auto options = fast();
  options.initial_backoff = std::chrono::hours(1);
  options.max_backoff = std::chrono::hours(2);
  make_dispatcher(-1, options);
  insert_row("msg_backoff", "Appointment/b");
  EXPECT_EQ(pass().failed, 1);
  std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  EXPECT_GT(scalar("SELECT next_attempt_at FROM inbox WHERE dedupe_key = 'msg_backoff'"),
            now_ms + 3'000'000);
  // Another dispatcher (a restarted process) leaves it alone until then.
  make_dispatcher(0, options);
  EXPECT_EQ(pass().processed(), 0);
  EXPECT_EQ(deliveries_.load(), 1);
  EXPECT_EQ(inbox_rows("dedupe_key = 'msg_backoff' AND state = 'received' AND attempts = 1"), 1);
}

TEST_P(WebhookDispatcherTest, TheWaitIsSettledInTheDispatchCommitWithoutAWorker) {
  make_dispatcher();
  std::vector<std::string> runs;
  for (int i = 0; i < 20; ++i) {
    runs.push_back(start_waiting_run(kFacilityA, "Appointment/w" + std::to_string(i)));
    insert_row("msg_w" + std::to_string(i), "Appointment/w" + std::to_string(i), i + 1);
  }
  DispatchPass p = pass();
  EXPECT_EQ(p.dispatched, 20);
  // No engine worker runs: the dispatch commit itself ended every run.
  for (const auto& run : runs) {
    EXPECT_EQ(
        scalar("SELECT COUNT(*) FROM workflow_runs WHERE id = $1 AND status = 'succeeded'", {run}),
        1);
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_steps WHERE run_id = $1 AND "
                     "step_id = 'updated' AND status = 'succeeded'",
                     {run}),
              1);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs"), 0);
}

TEST_P(WebhookDispatcherTest, TwoDispatchersOnOneDatabaseTakeDisjointRows) {
  constexpr int kEvents = 300;
  for (int i = 0; i < kEvents; ++i) {
    insert_row("msg_d" + std::to_string(i), "Appointment/d" + std::to_string(i), i + 1);
  }
  // The second dispatcher has a store of its own, as another hub process would.
  auto other_store = db_->open({.pool_size = 2, .timeout = std::chrono::milliseconds(20000)});
  ASSERT_TRUE(other_store.ok()) << other_store.error().message;
  std::mutex mutex;
  std::map<std::string, int> seen;
  auto counting = [&](workflow::Engine& engine) {
    EventSink real = to_engine(engine);
    EventSink sink;
    sink.deliver = [&, real](storage::Transaction& tx,
                             const std::vector<workflow::IncomingEvent>& events) {
      auto out = real.deliver(tx, events);
      std::lock_guard lock(mutex);
      for (const auto& e : events) ++seen[e.dedupe_key];
      return out;
    };
    return sink;
  };
  WebhookDispatcherOptions options = fast();
  options.batch = 16;
  WebhookDispatcher first(*store_, *inbox_, *sources_, counting(*engine_), options);
  WebhookDispatcher second(**other_store, *inbox_, *sources_, counting(*engine_), options);
  auto drain = [](WebhookDispatcher& d, int& total) {
    for (int idle = 0; idle < 3;) {
      auto p = d.dispatch_once();
      ASSERT_TRUE(p.ok()) << p.error().message;
      total += p->processed();
      idle = p->processed() == 0 ? idle + 1 : 0;
    }
  };
  int a = 0;
  int b = 0;
  std::thread t1([&] { drain(first, a); });
  std::thread t2([&] { drain(second, b); });
  t1.join();
  t2.join();
  EXPECT_EQ(a + b, kEvents);
  EXPECT_EQ(static_cast<int>(seen.size()), kEvents);
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key;
  EXPECT_EQ(inbox_rows("state = 'unmatched'"), kEvents);
}

TEST_P(WebhookDispatcherTest, ABatchOfTheDefaultSizeIsTheStoresOwn) {
  // batch 0 is the store's default: 256 rows a transaction on PostgreSQL,
  // 128 on SQLite (whose one writer would hold off webhook ingest longer).
  const int expected = GetParam() == storage::Dialect::kPostgres ? 256 : 128;
  const int rows = expected + 44;
  for (int i = 0; i < rows; ++i) {
    insert_row("msg_d" + std::to_string(i), "Appointment/d" + std::to_string(i), i + 1);
  }
  WebhookDispatcherOptions options = fast();
  ASSERT_EQ(options.batch, 0);
  make_dispatcher(0, options);
  EXPECT_EQ(pass().processed(), expected);
  EXPECT_EQ(inbox_rows("state = 'received'"), 44);
  EXPECT_EQ(pass().processed(), 44);
  EXPECT_EQ(inbox_rows("state = 'unmatched'"), rows);
}

TEST_P(WebhookDispatcherTest, AProcessKilledMidBatchLosesNothingAndDeliversNothingTwice) {
  constexpr int kEvents = 40;
  std::vector<std::string> runs;
  for (int i = 0; i < kEvents; ++i) {
    runs.push_back(start_waiting_run(kFacilityA, "Appointment/k" + std::to_string(i)));
    insert_row("msg_k" + std::to_string(i), "Appointment/k" + std::to_string(i), i + 1);
  }
  engine_->stop();
  // A child process dispatches a batch with stores of its own and is killed
  // (_exit, no unwinding, no commit) after the engine took half the batch
  // inside the open transaction.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = db_->open({.pool_size = 2, .timeout = std::chrono::milliseconds(20000)});
    if (!store.ok()) _exit(3);
    workflow::DefinitionStore definitions(**store);
    workflow::HubActions actions;
    workflow::EngineOptions options;
    options.workers = 0;
    observability::Metrics metrics;
    workflow::Engine engine(**store, definitions, invoker_, actions, metrics, options);
    EventSink real = to_engine(engine);
    EventSink dying;
    dying.deliver = [real](storage::Transaction& tx,
                           const std::vector<workflow::IncomingEvent>& events)
        -> sdk::Result<std::vector<sdk::Result<workflow::DeliveredEvent>>> {
      std::vector<workflow::IncomingEvent> half(events.begin(), events.begin() + events.size() / 2);
      auto delivered = real.deliver(tx, half);
      _exit(delivered.ok() ? 9 : 4);
    };
    WebhookDispatcherOptions o = fast();
    o.batch = kEvents;
    WebhookDispatcher dispatcher(**store, *inbox_, *sources_, std::move(dying), o);
    (void)dispatcher.dispatch_once();
    _exit(5);  // the sink never returned: not reached
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 9) << "the child did not die inside its batch";
  // Nothing of the killed batch is left: every row is still received.
  EXPECT_EQ(inbox_rows("state = 'received'"), kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events"), 0);
  if (GetParam() == storage::Dialect::kPostgres) {
    // PostgreSQL rolls the child's transaction back when its backend sees
    // the connection close, which can come just after waitpid() returns;
    // until then the rows stay locked and a pass skips them (SKIP LOCKED).
    // Taking the same row locks waits for that rollback.
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_OK(tx->query("SELECT id FROM inbox FOR UPDATE"));
    tx->rollback();
  }
  // A new dispatcher (the restarted hub) delivers every event once.
  make_dispatcher();
  DispatchPass p = pass();
  EXPECT_EQ(p.dispatched, kEvents);
  EXPECT_EQ(deliveries_.load(), kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_events"), kEvents);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'"), kEvents);
}

WASL_RECORDS_INSTANTIATE(WebhookDispatcherTest);

}  // namespace
}  // namespace wasl::webhooks::testing
