// GET /v1/dead-letters and POST /v1/dead-letters/replay: failed runs, stuck
// webhooks and the exchange's error notices and unreadable messages of the
// caller's facility only; bulk replay bounded at 100, all or nothing, each
// replay audited with the operator's key.
#include "hub/api/dead_letters.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "hub/claims/billing_message_store.hpp"
#include "hub/records/inbox_store.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using records::InboxState;

class DeadLettersTest : public ApiFixture {
 protected:
  // Stores a webhook of `facility` and leaves it in `state`.
  void add_webhook(const std::string& id, const std::string& facility, InboxState state,
                   std::int64_t received_at) {
    records::InboxStore inbox(*cipher_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    records::InboxEntry e;
    e.id = id;
    e.instance = "video.fake";
    e.dedupe_key = "dedupe-" + id;
    e.facility_id = facility;
    e.received_at = received_at;
    e.body = "{}";
    e.event_type = "room-ended";
    auto inserted = inbox.insert(**tx, e);
    ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    ASSERT_TRUE(inbox.mark(**tx, facility, id, state).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  // Stores a message polled from the exchange for `facility`, in `state`.
  void add_billing_message(const std::string& id, const std::string& facility,
                           const std::string& event, claims::BillingMessageState state,
                           std::optional<std::string> claim_id, std::int64_t received_at) {
    claims::BillingMessage m;
    m.id = id;
    m.facility_id = facility;
    m.message_id = "mh-" + id;
    m.event = event;
    m.state = state;
    m.claim_id = std::move(claim_id);
    m.problem = "problem of " + id;
    m.received_at = received_at;
    m.message = R"({"event":")" + event + R"("})";
    claims::BillingMessageStore messages(*cipher_, *audit_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto inserted = messages.insert(**tx, m, "system");
    ASSERT_TRUE(inserted.ok() && *inserted);
    ASSERT_TRUE((*tx)->commit().ok());
  }

  std::string state_of(const std::string& id) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    auto rows = (*tx)->query("SELECT state FROM inbox WHERE id = $1", {id});
    return rows.ok() && !rows->empty() ? rows->front().get_text(0).value_or("") : "";
  }

  http::Response replay(const nlohmann::json& ids, bool facility_b = false) {
    return send({"POST",
                 "/v1/dead-letters/replay",
                 nlohmann::json{{"ids", ids}}.dump(),
                 {{"Content-Type", "application/json"}}},
                Role::kIntegrator, facility_b);
  }
};

TEST_P(DeadLettersTest, ListsFailedRunsAndStuckWebhooksOfTheFacilityNewestFirst) {
  invoker_->fail("ehr.read_appointment", true);
  ASSERT_TRUE(engine_->start().ok());
  const std::string id = create_id("k");
  std::string status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (status != "failed" && std::chrono::steady_clock::now() < deadline) {
    status = body_of(send({"GET", "/v1/consultations/" + id + "/timeline"}))["status"];
    if (status != "failed") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(status, "failed");
  add_webhook("wh-old", kFacilityA, InboxState::kUnmatched, 1000);
  add_webhook("wh-parked", kFacilityA, InboxState::kParked, 2000);
  add_webhook("wh-done", kFacilityA, InboxState::kDispatched, 3000);
  add_webhook("wh-b", kFacilityB, InboxState::kUnmatched, 4000);

  http::Response r = send({"GET", "/v1/dead-letters"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json items = body_of(r)["items"];
  ASSERT_EQ(items.size(), 3u) << r.body;
  EXPECT_EQ(items[0]["kind"], "run");  // failed just now; the webhooks are from 1970
  EXPECT_EQ(items[0]["consultation_id"], id);
  EXPECT_EQ(items[0]["workflow"], "consultation");
  EXPECT_EQ(items[0]["failed_step"], "appointment");
  EXPECT_NE(items[0]["error"].get<std::string>().find("scripted failure"), std::string::npos);
  EXPECT_EQ(items[1]["id"], "wh-parked");
  EXPECT_EQ(items[1]["state"], "parked");
  EXPECT_EQ(items[2]["id"], "wh-old");
  EXPECT_EQ(items[2]["kind"], "webhook");

  nlohmann::json runs = body_of(send({"GET", "/v1/dead-letters?kind=run"}))["items"];
  ASSERT_EQ(runs.size(), 1u);
  nlohmann::json hooks = body_of(send({"GET", "/v1/dead-letters?kind=webhook&limit=1"}))["items"];
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0]["id"], "wh-parked");
  EXPECT_EQ(body_of(send({"GET", "/v1/dead-letters?workflow=other"}))["items"],
            nlohmann::json::array());
  EXPECT_EQ(body_of(send(
                {"GET", "/v1/dead-letters?since=1970-01-01T00:00:01.500Z&kind=webhook"}))["items"]
                .size(),
            1u);

  // Facility B sees its webhook only, none of A's run.
  nlohmann::json theirs = body_of(send({"GET", "/v1/dead-letters"}, Role::kAdmin, true))["items"];
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0]["id"], "wh-b");

  EXPECT_EQ(send({"GET", "/v1/dead-letters?kind=letter"}).status, 400);
  EXPECT_EQ(send({"GET", "/v1/dead-letters?limit=201"}).status, 400);
  EXPECT_EQ(send({"GET", "/v1/dead-letters?since=yesterday"}).status, 400);
  EXPECT_EQ(send({"GET", "/v1/dead-letters"}, Role::kHospital).status, 403);
}

// The exchange's error notices and the messages the billing plugin could
// not read are billing dead letters, replayed by the billing-message route;
// the messages routed or merely unmatched are not.
TEST_P(DeadLettersTest, ListsTheFacilitysBillingErrorsAndUnreadableMessages) {
  using claims::BillingMessageState;
  add_billing_message("bm-error", kFacilityA, "error-notice", BillingMessageState::kError,
                      "claim-a", 1000);
  add_billing_message("bm-unreadable", kFacilityA, "claim-response",
                      BillingMessageState::kUnreadable, std::nullopt, 2000);
  add_billing_message("bm-unmatched", kFacilityA, "claim-response", BillingMessageState::kUnmatched,
                      std::nullopt, 3000);
  add_billing_message("bm-recorded", kFacilityA, "advanced-authorization",
                      BillingMessageState::kRecorded, std::nullopt, 4000);
  add_billing_message("bm-b", kFacilityB, "error-notice", BillingMessageState::kError, std::nullopt,
                      5000);
  add_webhook("wh-old", kFacilityA, InboxState::kUnmatched, 1500);

  http::Response r = send({"GET", "/v1/dead-letters?kind=billing"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json items = body_of(r)["items"];
  ASSERT_EQ(items.size(), 2u) << r.body;
  EXPECT_EQ(items[0], (nlohmann::json{{"kind", "billing"},
                                      {"id", "bm-unreadable"},
                                      {"message_id", "mh-bm-unreadable"},
                                      {"event", "claim-response"},
                                      {"state", "unreadable"},
                                      {"claim_id", nullptr},
                                      {"error", "problem of bm-unreadable"},
                                      {"replay", "/v1/billing/messages/bm-unreadable/replay"},
                                      {"at", "1970-01-01T00:00:02.000Z"}}));
  EXPECT_EQ(items[1]["id"], "bm-error");
  EXPECT_EQ(items[1]["state"], "error");
  EXPECT_EQ(items[1]["claim_id"], "claim-a");
  EXPECT_EQ(items[1]["error"], "problem of bm-error");

  // With the other kinds, newest first; a workflow filter names runs only.
  nlohmann::json all = body_of(send({"GET", "/v1/dead-letters"}))["items"];
  ASSERT_EQ(all.size(), 3u) << all.dump();
  EXPECT_EQ(all[0]["id"], "bm-unreadable");
  EXPECT_EQ(all[1]["id"], "wh-old");
  EXPECT_EQ(all[2]["id"], "bm-error");
  EXPECT_EQ(body_of(send({"GET", "/v1/dead-letters?workflow=consultation"}))["items"],
            nlohmann::json::array());
  nlohmann::json since = body_of(
      send({"GET", "/v1/dead-letters?kind=billing&since=1970-01-01T00:00:01.500Z"}))["items"];
  ASSERT_EQ(since.size(), 1u);
  EXPECT_EQ(since[0]["id"], "bm-unreadable");
  EXPECT_EQ(body_of(send({"GET", "/v1/dead-letters?kind=billing&limit=1"}))["items"].size(), 1u);

  // Another facility's key sees only its own.
  nlohmann::json theirs =
      body_of(send({"GET", "/v1/dead-letters?kind=billing"}, Role::kAdmin, true))["items"];
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0]["id"], "bm-b");
  nlohmann::json theirs_all =
      body_of(send({"GET", "/v1/dead-letters"}, Role::kAdmin, true))["items"];
  ASSERT_EQ(theirs_all.size(), 1u);
  EXPECT_EQ(theirs_all[0]["id"], "bm-b");
  EXPECT_EQ(send({"GET", "/v1/dead-letters?kind=billing"}, Role::kHospital).status, 403);
}

TEST_P(DeadLettersTest, BulkReplayIsBoundedAllOrNothingAndAudited) {
  add_webhook("wh-1", kFacilityA, InboxState::kUnmatched, 1000);
  add_webhook("wh-2", kFacilityA, InboxState::kParked, 2000);
  add_webhook("wh-done", kFacilityA, InboxState::kDispatched, 3000);
  add_webhook("wh-b", kFacilityB, InboxState::kUnmatched, 4000);

  // Another facility's id is 404, as an unknown one; nothing changed.
  http::Response foreign = replay({"wh-1", "wh-b"});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(replay({"wh-1", "nothing"}).status, 404);
  EXPECT_EQ(replay({"wh-1", "wh-done"}).status, 409);
  EXPECT_EQ(state_of("wh-1"), "unmatched");
  EXPECT_EQ(state_of("wh-b"), "unmatched");

  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < kMaxBulkReplay + 1; ++i) many.push_back("wh-" + std::to_string(i));
  http::Response too_many = replay(many);
  EXPECT_EQ(too_many.status, 400);
  EXPECT_NE(too_many.body.find("ids"), std::string::npos);
  EXPECT_EQ(replay(nlohmann::json::array()).status, 400);
  EXPECT_EQ(replay({"wh-1", "wh-1"}).status, 400);
  EXPECT_EQ(replay({1}).status, 400);
  EXPECT_EQ(audit_count("webhook.replayed"), 0);

  http::Response ok = replay({"wh-1", "wh-2"});
  ASSERT_EQ(ok.status, 202) << ok.body;
  EXPECT_EQ(body_of(ok)["items"].size(), 2u);
  EXPECT_EQ(state_of("wh-1"), "received");
  EXPECT_EQ(state_of("wh-2"), "received");
  EXPECT_EQ(audit_count("webhook.replayed"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.replayed' "
                   "AND facility_id = $1 AND actor LIKE 'apikey:%'",
                   {std::string(kFacilityA)}),
            2);
  // Facility B's key cannot replay A's rows either.
  EXPECT_EQ(replay({"wh-1"}, true).status, 404);
  EXPECT_EQ(send({"POST",
                  "/v1/dead-letters/replay",
                  R"({"ids":["wh-b"]})",
                  {{"Content-Type", "application/json"}}},
                 Role::kHospital, true)
                .status,
            403);
}

INSTANTIATE_TEST_SUITE_P(Backends, DeadLettersTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
