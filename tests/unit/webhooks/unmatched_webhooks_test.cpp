#include "hub/webhooks/unmatched_webhooks.hpp"

#include "hub/records/provider_resource_store.hpp"
#include "hub/storage/row_id.hpp"
#include "tests/unit/webhooks/webhook_fixture.hpp"

namespace wasl::webhooks::testing {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;

class UnmatchedWebhooksTest : public WebhookFixture {
 protected:
  void SetUp() override {
    WebhookFixture::SetUp();
    if (HasFatalFailure()) return;
    start_engine();
    if (HasFatalFailure()) return;
    WebhookDispatcherOptions options;
    options.max_attempts = 1;
    options.initial_backoff = std::chrono::milliseconds(0);
    EventSink real = to_engine(*engine_);
    EventSink sink;
    sink.deliver = [this, real](storage::Transaction& tx,
                                const std::vector<workflow::IncomingEvent>& events)
        -> sdk::Result<std::vector<sdk::Result<workflow::DeliveredEvent>>> {
      if (fail_) {
        return std::vector<sdk::Result<workflow::DeliveredEvent>>(
            events.size(), sdk::Error(sdk::ErrorCode::kInternal, "engine refused", false));
      }
      return real.deliver(tx, events);
    };
    sink.committed = real.committed;
    dispatcher_ =
        std::make_unique<WebhookDispatcher>(*store_, *inbox_, *sources_, std::move(sink), options);
    start_server();
  }

  Reply get(const std::string& target, const std::string& key) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!key.empty()) h.push_back({"Authorization", "Bearer " + key});
    return send("GET", target, h, "");
  }
  Reply replay(const std::string& id, const std::string& key) {
    return send("POST", "/v1/webhooks/unmatched/" + id + "/replay",
                {{"Authorization", "Bearer " + key}}, "");
  }
  std::string id_of(const std::string& dedupe) {
    auto rows = query_raw("SELECT id FROM inbox WHERE dedupe_key = $1", {dedupe});
    return rows.empty() ? "" : rows[0].get_text(0).value_or("");
  }
  void dispatch() {
    auto p = dispatcher_->dispatch_once();
    ASSERT_TRUE(p.ok()) << p.error().message;
  }

  bool fail_ = false;
};

TEST_P(UnmatchedWebhooksTest, ListsTheCallersFacilityOnlyWithoutBodies) {
  ASSERT_EQ(post_hospital(kFacilityA, "msg_a", appointment_body("Appointment/a")).status, 202);
  ASSERT_EQ(post_hospital(kFacilityB, "msg_b", appointment_body("Appointment/b"), kSecretB).status,
            202);
  dispatch();
  Reply a = get("/v1/webhooks/unmatched", "fac-a:integrator");
  ASSERT_EQ(a.status, 200) << a.body;
  auto items = a.json()["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["dedupe_key"], "msg_a");
  EXPECT_EQ(items[0]["instance"], "hospital.fac-a");
  EXPECT_EQ(items[0]["state"], "unmatched");
  EXPECT_EQ(items[0]["event_type"], "appointment.updated");
  EXPECT_EQ(items[0]["correlation"], "Appointment/a");
  EXPECT_EQ(a.body.find("تم"), std::string::npos);  // the body (PHI) is not listed
  Reply admin_b = get("/v1/webhooks/unmatched", "fac-b:admin");
  ASSERT_EQ(admin_b.status, 200);
  ASSERT_EQ(admin_b.json()["items"].size(), 1u);
  EXPECT_EQ(admin_b.json()["items"][0]["dedupe_key"], "msg_b");
}

// An event of an instance fac-a and fac-b share is stored without a facility.
// Left unmatched it is shown to a facility only once attributable to it (its
// correlation names a room, recording or EHR resource recorded for that
// facility at that instance); before, no facility's key lists or replays it,
// so one facility never learns another's room ids from it. A row of an
// instance serving fac-a alone is fac-a's and never reaches fac-b.
TEST_P(UnmatchedWebhooksTest, AnUnmatchedEventOfASharedInstanceIsShownOnlyToTheFacilityItNames) {
  std::string body =
      R"({"events":[{"type":"appointment.updated","resource_id":"Appointment/nobody",)"
      R"("dedupe_key":"s1"},{"type":"room.ended","room_id":"RM-of-a","dedupe_key":"s2"}]})";
  ASSERT_EQ(send("POST", "/v1/webhooks/video.shared", {{"X-Test-Signature", "good"}}, body).status,
            202);
  dispatch();
  ASSERT_EQ(inbox_rows("instance = 'video.shared' AND facility_id IS NULL AND state = 'unmatched'"),
            2);
  for (const char* key : {"fac-a:integrator", "fac-a:admin", "fac-b:integrator", "fac-b:admin"}) {
    Reply listed = get("/v1/webhooks/unmatched", key);
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(listed.json()["items"].size(), 0u)
        << key << " sees events of no facility's: " << listed.body;
    EXPECT_EQ(replay(id_of("s2"), key).status, 404) << key;
  }

  // fac-a's run opened RM-of-a; fac-b's read the appointment "nobody".
  {
    auto tx = begin();
    ASSERT_TRUE(records::ProviderResourceStore::record(
                    *tx, {kFacilityA, "video.shared", "room", "RM-of-a", 1})
                    .ok());
    ASSERT_TRUE(records::ProviderResourceStore::record(
                    *tx, {kFacilityB, "video.shared", "appointment", "nobody", 1})
                    .ok());
    // The same room at another instance attributes nothing here.
    ASSERT_TRUE(records::ProviderResourceStore::record(
                    *tx, {kFacilityB, "video.url-check", "room", "RM-of-a", 1})
                    .ok());
    ASSERT_TRUE(tx->commit().ok());
  }
  Reply a = get("/v1/webhooks/unmatched", "fac-a:integrator");
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(a.json()["items"].size(), 1u) << a.body;
  EXPECT_EQ(a.json()["items"][0]["correlation"], "RM-of-a");
  EXPECT_EQ(a.json()["items"][0]["instance"], "video.shared");
  Reply b = get("/v1/webhooks/unmatched", "fac-b:admin");
  ASSERT_EQ(b.json()["items"].size(), 1u) << b.body;
  EXPECT_EQ(b.json()["items"][0]["correlation"], "Appointment/nobody");
  EXPECT_EQ(replay(id_of("s2"), "fac-b:integrator").status, 404);
  EXPECT_EQ(replay(id_of("s1"), "fac-a:integrator").status, 404);

  records::InboxEntry alone;
  alone.id = storage::new_row_id().value();
  alone.instance = "video.url-check";  // serves fac-a only
  alone.dedupe_key = "alone";
  alone.received_at = 2;
  alone.body = "{}";
  alone.state = records::InboxState::kUnmatched;
  {
    auto tx = begin();
    ASSERT_TRUE(inbox_->insert(*tx, alone).ok());
    ASSERT_TRUE(tx->commit().ok());
  }
  EXPECT_EQ(get("/v1/webhooks/unmatched", "fac-a:integrator").json()["items"].size(), 2u);
  EXPECT_EQ(get("/v1/webhooks/unmatched", "fac-b:integrator").json()["items"].size(), 1u);
  EXPECT_EQ(replay(alone.id, "fac-b:integrator").status, 404);

  std::string shared = id_of("s2");
  Reply replayed = replay(shared, "fac-a:integrator");
  ASSERT_EQ(replayed.status, 202) << replayed.body;
  EXPECT_EQ(inbox_rows("id = $1 AND state = 'received'", {shared}), 1);
  EXPECT_EQ(inbox_rows("id = $1 AND state = 'unmatched'", {alone.id}), 1);
}

TEST_P(UnmatchedWebhooksTest, RefusesOtherRolesMissingKeysAndBadParameters) {
  EXPECT_EQ(get("/v1/webhooks/unmatched", "").status, 401);
  EXPECT_EQ(get("/v1/webhooks/unmatched", "fac-a:clinician").status, 403);
  EXPECT_EQ(get("/v1/webhooks/unmatched", "fac-a:hospital").status, 403);
  EXPECT_EQ(get("/v1/webhooks/unmatched", "fac-a:auditor").status, 403);
  Reply bad = get("/v1/webhooks/unmatched?state=dispatched&limit=0", "fac-a:integrator");
  ASSERT_EQ(bad.status, 400);
  ASSERT_EQ(bad.json()["errors"].size(), 2u);
  EXPECT_EQ(bad.json()["errors"][0]["field"], "state");
  EXPECT_EQ(bad.json()["errors"][1]["field"], "limit");
  EXPECT_EQ(get("/v1/webhooks/unmatched?limit=201", "fac-a:integrator").status, 400);
  EXPECT_EQ(get("/v1/webhooks/unmatched?limit=2", "fac-a:integrator").status, 200);
}

TEST_P(UnmatchedWebhooksTest, ParkedEventsAreListedAndReplayedIntoALaterRun) {
  fail_ = true;
  ASSERT_EQ(post_hospital(kFacilityA, "msg_p", appointment_body("Appointment/p")).status, 202);
  dispatch();
  Reply parked = get("/v1/webhooks/unmatched?state=parked", "fac-a:integrator");
  ASSERT_EQ(parked.status, 200);
  ASSERT_EQ(parked.json()["items"].size(), 1u);
  EXPECT_EQ(parked.json()["items"][0]["last_error"],
            "delivery to the workflow engine failed: engine refused");
  std::string id = id_of("msg_p");

  EXPECT_EQ(replay(id, "fac-b:integrator").status, 404);  // another facility's event
  EXPECT_EQ(replay(id, "fac-a:clinician").status, 403);
  EXPECT_EQ(replay("nope", "fac-a:integrator").status, 404);

  fail_ = false;
  std::string run = start_waiting_run(kFacilityA, "Appointment/p");
  Reply r = replay(id, "fac-a:integrator");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json()["state"], "received");
  EXPECT_EQ(replay(id, "fac-a:integrator").status, 409);  // already queued again
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.replayed' AND "
                   "entity_id = $1 AND actor = 'apikey:key-fac-a:integrator'",
                   {id}),
            1);
  dispatch();
  EXPECT_EQ(inbox_rows("id = $1 AND state = 'dispatched'", {id}), 1);
  EXPECT_EQ(run_status(run, {"succeeded", "failed"}), "succeeded");
}

TEST_P(UnmatchedWebhooksTest, ReplayOfAnEventALaterWaitTookMarksItDispatched) {
  ASSERT_EQ(post_hospital(kFacilityA, "msg_u", appointment_body("Appointment/u")).status, 202);
  dispatch();
  std::string id = id_of("msg_u");
  ASSERT_EQ(inbox_rows("id = $1 AND state = 'unmatched'", {id}), 1);
  workflow::StartRunRequest request;
  request.workflow = "waiter";
  request.facility_id = kFacilityA;
  request.trigger = {{"appointment", "Appointment/u"}};
  auto run = engine_->start_run(request);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run_status(*run, {"succeeded"}), "succeeded");
  ASSERT_EQ(replay(id, "fac-a:admin").status, 202);
  dispatch();
  EXPECT_EQ(inbox_rows("id = $1 AND state = 'dispatched'", {id}), 1);
}

WASL_RECORDS_INSTANTIATE(UnmatchedWebhooksTest);

}  // namespace
}  // namespace wasl::webhooks::testing
