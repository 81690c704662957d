// A claim lost in transit, end to end: the real `wasl serve` with the NPHIES
// plugin against the NPHIES peer (mutual TLS, every bundle validated), the
// whole consultation workflow, one consultation per way an answer can be
// lost:
//   - the exchange cuts the connection before storing the claim;
//   - it stores the claim, then cuts the connection;
//   - the TLS handshake of the claim's connection is never answered;
//   - it answers 408 (nothing stored);
//   - it stores the claim, then answers 504.
// Each time the hub records the claim in_doubt (never queued) and is killed
// (-9) there. The restarted hub's first billing round asks the exchange
// about it (status-check with the claim's own identifier) and, held or not,
// resends the same bundle: the exchange ends with exactly one claim per
// consultation, submitted once (a resend of a stored claim is a duplicate),
// and the hub's claim in the exchange's final state, approved. The billing
// round runs hourly here, so only the restart asks: what moves the claim is
// the status-check and the resend, not a poll racing the kill.
// The binary built with WASL_CONSULTATION_POSTGRES runs it on PostgreSQL.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/consultation/chime_side.hpp"
#include "tests/integration/consultation/consultation_hub.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class NphiesTransitTest : public ::testing::TestWithParam<bool /*postgres*/> {};

struct LostAnswer {
  std::string name;
  json fault;           // the NPHIES peer's fault rule for the claim
  bool stored = false;  // whether the exchange stored the claim before losing the answer
};

std::vector<LostAnswer> lost_answers() {
  return {
      {"drop before store", {{"event", "claim-request"}, {"count", 1}, {"drop", "before"}}, false},
      {"drop after store", {{"event", "claim-request"}, {"count", 1}, {"drop", "after"}}, true},
      {"connect timeout", {{"connectTimeout", true}, {"count", 1}, {"closeAfterMs", 60000}}, false},
      {"408", {{"event", "claim-request"}, {"count", 1}, {"status", 408}}, false},
      {"504 after store",
       {{"event", "claim-request"}, {"count", 1}, {"status", 504}, {"afterEffect", true}},
       true},
  };
}

// The exchange's claims, keyed by Claim identifier.
json exchange_claims(ConsultationHub& hub) { return hub.nphies_claims()["items"]; }

// The exchange's record of the claims once `count` of them are in `state`
// (bounded: the state moves when the hub acknowledges or a duplicate lands).
json wait_for_exchange_claims(ConsultationHub& hub, std::size_t count, const std::string& state) {
  json items;
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    items = exchange_claims(hub);
    std::size_t in_state = 0;
    for (const auto& c : items) in_state += c.value("state", std::string()) == state;
    if (items.size() == count && in_state == count) return items;
    std::this_thread::sleep_for(100ms);
  }
  return items;
}

TEST_P(NphiesTransitTest, EveryLostAnswerEndsWithOneClaimInTheExchangesState) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHubOptions options;
  options.nphies_args = {"--claim-rule", "approve"};
  options.billing_poll_interval = "1h";
  // The Chime peer posts the attendees' events before the meeting's end, in
  // order: hub.attendance need not wait the default 3 s for late ones
  // before each claim.
  options.attendance_settle = "200ms";
  if (GetParam()) options.postgres_url = postgres_test_url();
  ConsultationHub hub(chime_binding(*chime), options);
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);

  std::size_t consultations = 0;
  int stored = 0;
  for (const LostAnswer& lost : lost_answers()) {
    SCOPED_TRACE(lost.name);
    HubApiClient api = hub.client("hospital");
    const std::string id = hub.book(api, "appt-transit-" + std::to_string(consultations));
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 40s), "waiting_room")
        << hub.timeline(api, id) << hub.log();
    Session session = admit_participants(hub, id);
    ASSERT_FALSE(session.meeting_id.empty());
    // The claim goes out when the session ends: its answer is lost.
    ASSERT_TRUE(hub.nphies_peer()->post("/_peer/faults", json::array({lost.fault})).ok());
    hold_and_end_session(*chime, session);
    ASSERT_EQ(hub.wait_for_claim_state(api, id, "in_doubt", 60s), "in_doubt")
        << api.get("/v1/consultations/" + id + "/claims").body << hub.log();
    ++consultations;
    stored += lost.stored ? 1 : 0;
    {
      json items = exchange_claims(hub);
      EXPECT_EQ(items.size(), consultations - (lost.stored ? 0 : 1)) << items.dump();
    }

    hub.kill();
    ASSERT_TRUE(hub.start());
    send_events_to(*chime, hub);
    api = hub.client("hospital");
    EXPECT_EQ(hub.wait_for_claim_state(api, id, "approved", 60s), "approved")
        << api.get("/v1/consultations/" + id + "/claims").body << hub.log();
    EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 60s), "completed")
        << hub.timeline(api, id);

    // One claim per consultation at the exchange, each submitted once and
    // approved; this one asked about once, and resent as a duplicate when
    // the exchange had stored it.
    json items = wait_for_exchange_claims(hub, consultations, "approved");
    ASSERT_EQ(items.size(), consultations) << items.dump();
    int checked = 0;
    for (const auto& c : items) {
      EXPECT_EQ(c.value("submissions", -1), 1) << c.dump();
      EXPECT_EQ(c.value("state", std::string()), "approved") << c.dump();
      checked += c.value("statusChecks", 0);
    }
    EXPECT_EQ(hub.nphies_messages("claim-request"), static_cast<int>(consultations));
    auto faults = hub.nphies_peer()->get("/_peer/faults");
    ASSERT_TRUE(faults.ok());
    EXPECT_TRUE((*faults)["rules"].empty()) << faults->dump();
    EXPECT_TRUE((*faults)["connectTimeouts"].empty()) << faults->dump();
    EXPECT_EQ(checked, stored) << items.dump();
  }

  // Every status-check the restarted hubs sent named a claim: held (those
  // the exchange stored) or not held (the others), never refused.
  int held = 0;
  int not_held = 0;
  auto received = hub.nphies_peer()->received();
  ASSERT_TRUE(received.ok());
  for (const auto& r : (*received)["items"]) {
    if (r.value("event", json()) != "status-check") continue;
    const std::string outcome = r.value("outcome", std::string());
    held += outcome == "complete" || outcome == "queued";
    not_held += outcome == "not-held";
    EXPECT_TRUE(outcome == "complete" || outcome == "queued" || outcome == "not-held") << r.dump();
  }
  EXPECT_EQ(held, 2);
  EXPECT_EQ(not_held, 3);
  // Nothing is left in doubt.
  HubApiClient integrator = hub.client("integrator");
  ApiAnswer in_doubt = integrator.get("/v1/claims?state=in_doubt");
  ASSERT_EQ(in_doubt.status, 200) << in_doubt.body;
  EXPECT_TRUE(in_doubt.json["items"].empty()) << in_doubt.body;
}

#if defined(WASL_CONSULTATION_POSTGRES)
INSTANTIATE_TEST_SUITE_P(Postgres, NphiesTransitTest, ::testing::Values(true),
                         [](const auto&) { return std::string("Postgres"); });
#else
INSTANTIATE_TEST_SUITE_P(Sqlite, NphiesTransitTest, ::testing::Values(false),
                         [](const auto&) { return std::string("Sqlite"); });
#endif

}  // namespace
}  // namespace wasl::testing
