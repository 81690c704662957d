// NPHIES in the whole consultation (workflows/consultation.yaml), end to
// end: the real `wasl serve` with the NPHIES plugin presenting its client
// certificate to the NPHIES peer (tests/peers/nphies: mutual TLS only, every
// bundle validated as R4 and by NPHIES's rules, claims adjudicated by the
// rule it is started with), the FHIR, MOH and Chime plugins against their
// peers. The exchange's records prove what it received:
//   - AClaimQueuedByTheExchangeIsPolledToApproved: eligibility, the session,
//     the claim answered `queued`; the hub's billing.poll fetches the
//     claim-response, the claim becomes approved with the exchange's amounts
//     and the answer is acknowledged;
//   - ARejectedClaimIsRecordedRejected: the consultation completes and its
//     claim is rejected at the exchange and at the hub;
//   - QueuedIsCancelledApprovedIsNullifiedRejectedIsResubmitted: the
//     operator's POST /v1/claims/{id}/cancel, /nullify and /resubmit reach
//     the exchange, which cancels the queued claim, nullifies the approved
//     one and takes the resubmission of the rejected one (related to it as
//     prior) and approves it;
//   - EveryCallFailsOnceAndTheHubIsKilledMidClaim: the eligibility request,
//     the poll and the acknowledgement each fail once, the claim hangs after
//     the exchange stored it and the hub is killed (-9) meanwhile: after the
//     restart the resend reuses the claim's ids, so the exchange holds one
//     claim, submitted once, and the hub's claim ends in its adjudicated
//     state;
//   - AWorkflowAnswersTheInformationRequestByItself: a facility's workflow
//     triggered by billing.information_request answers the payer's request
//     with the hub's visit and recording summary pages; the exchange takes
//     the communication with the two PDFs and approves the claim;
//   - AReconciliationPaysThreeClaimsOneInPart: one payment reconciliation
//     pays three approved claims, the third in part; the claims end paid,
//     paid and partially_paid with the amounts, the CSV export has the
//     three lines, and the exchange takes the hub's payment-notice;
//   - ThreeConsultationsOfABatchFacilityGoInOneBatch: a facility billing in
//     batches queues its three consultations' claims; the billing round
//     sends them in one batch-request and the polled answers approve each;
//   - (SQLite only) TheServiceAsksFirstAndTheClaimCarriesTheApproval: the
//     facility's payer contract requires prior authorization; the exchange
//     approves the first consultation's and its claim carries the preAuthRef
//     the exchange issued, then rejects the second's, which the timeline
//     records, and no claim is sent for it;
//   - (SQLite only) mutual TLS refusals: no client certificate, an expired
//     one, one of another CA, an exchange outside the CA bundle: the
//     eligibility step fails for good naming the instance and the exchange
//     processes nothing; a certificate that expired before the claim leaves
//     the claim in `error`, audited, with nothing sent.
// The binary built with WASL_CONSULTATION_POSTGRES runs the first three on
// PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/consultation/chime_side.hpp"
#include "tests/integration/consultation/consultation_hub.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class NphiesConsultationTest : public ::testing::TestWithParam<bool /*postgres*/> {
 protected:
  ConsultationHubOptions options(std::vector<std::string> nphies_args = {}) {
    ConsultationHubOptions o;
    o.nphies_args = std::move(nphies_args);
    if (GetParam()) o.postgres_url = postgres_test_url();
    return o;
  }
};

class NphiesMutualTlsTest : public NphiesConsultationTest {};
class NphiesPriorAuthTest : public NphiesConsultationTest {};

// Books a consultation and waits for its waiting room (eligibility done).
std::string book_to_waiting_room(ConsultationHub& hub, const HubApiClient& api,
                                 const std::string& appointment) {
  std::string id = hub.book(api, appointment);
  EXPECT_FALSE(id.empty());
  if (id.empty()) return id;
  EXPECT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 40s), "waiting_room")
      << hub.timeline(api, id) << hub.log();
  return id;
}

// The exchange's record of every message it received.
json received(ConsultationHub& hub) {
  auto items = hub.nphies_peer()->received();
  EXPECT_TRUE(items.ok()) << items.error().message;
  return items.ok() ? (*items)["items"] : json::array();
}

// The outcomes the exchange recorded for messages of `event`.
std::vector<std::string> outcomes(ConsultationHub& hub, const std::string& event) {
  std::vector<std::string> out;
  for (const auto& r : received(hub)) {
    if (r.contains("event") && r["event"] == event)
      out.push_back(r.value("outcome", std::string()));
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The run's timeline once it is `failed` (bounded); an empty object if not.
json wait_for_failed_run(ConsultationHub& hub, const HubApiClient& api, const std::string& id,
                         std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer t = api.get("/v1/consultations/" + id + "/timeline");
    if (t.status == 200 && t.json.is_object() &&
        t.json.value("status", std::string()) == "failed") {
      return t.json;
    }
    std::this_thread::sleep_for(100ms);
  }
  ADD_FAILURE() << "the run did not fail: " << hub.timeline(api, id);
  return json::object();
}

TEST_P(NphiesConsultationTest, AClaimQueuedByTheExchangeIsPolledToApproved) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHub hub(chime_binding(*chime), options({"--claim-rule", "queue:2:approve"}));
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  const std::string id = book_to_waiting_room(hub, api, "appt-queued");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(joined(outcomes(hub, "eligibility-request")), "eligible");

  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());
  hold_and_end_session(*chime, session);
  EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 60s), "completed")
      << hub.timeline(api, id);

  hub.expect_billed_once(api, id, "approved");
  EXPECT_EQ(joined(outcomes(hub, "claim-request")), "queued");
  // Polled (at least once before the answer was due), then acknowledged.
  std::vector<std::string> polls = outcomes(hub, "poll-request");
  EXPECT_NE(std::find(polls.begin(), polls.end(), "polled 1"), polls.end()) << joined(polls);
  EXPECT_EQ(joined(outcomes(hub, "acknowledgement")), "acknowledged");
  auto queue = hub.nphies_peer()->get("/_peer/queue");
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ((*queue)["items"].size(), 1u);
  EXPECT_TRUE((*queue)["items"][0].value("acknowledged", false)) << queue->dump();

  // The adjudicated amounts in clear: 150 + 22.50 tax claimed; the exchange
  // pays the net less a 10 % copay of the price.
  ApiAnswer claims = api.get("/v1/consultations/" + id + "/claims");
  ASSERT_EQ(claims.status, 200) << claims.body;
  ASSERT_EQ(claims.json["items"].size(), 1u) << claims.body;
  EXPECT_EQ(claims.json["items"][0]["state"], "approved") << claims.body;
  EXPECT_NE(claims.body.find("SAR"), std::string::npos) << claims.body;
  // Nothing queued is left for the revenue-cycle team.
  HubApiClient integrator = hub.client("integrator");
  ApiAnswer queued = integrator.get("/v1/claims?state=queued");
  ASSERT_EQ(queued.status, 200) << queued.body;
  EXPECT_TRUE(queued.json["items"].empty()) << queued.body;
}

// 120 answers the hospital never asked for wait at the exchange before its
// claim's answer: the operator's first poll stores and acknowledges 100 of
// them, the second takes the rest and the real answer, which approves the
// claim. The billing round runs hourly here, so only these two polls count.
TEST_P(NphiesConsultationTest, OrphanAnswersQueuedFirstDoNotBlockTheClaimsAnswer) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHubOptions o = options({"--claim-rule", "queue:0:approve"});
  o.billing_poll_interval = "1h";
  ConsultationHub hub(chime_binding(*chime), o);
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  const std::string id = book_to_waiting_room(hub, api, "appt-orphans");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(
      hub.nphies_peer()
          ->post("/_peer/orphans",
                 json{{"count", 120}, {"event", "claim-response"}, {"provider", "N-F-00001"}})
          .ok());
  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());
  hold_and_end_session(*chime, session);
  EXPECT_EQ(hub.wait_for_claim_state(api, id, "queued", 60s), "queued") << hub.timeline(api, id);

  HubApiClient integrator = hub.client("integrator");
  ApiAnswer first = integrator.post("/v1/claims/poll", json::object());
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json["fetched"], 100) << first.body;
  EXPECT_EQ(first.json["unmatched"], 100) << first.body;
  EXPECT_EQ(first.json["acknowledged"], 100) << first.body;
  ApiAnswer second = integrator.post("/v1/claims/poll", json::object());
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json["fetched"], 21) << second.body;
  EXPECT_EQ(second.json["matched"], 1) << second.body;
  EXPECT_EQ(hub.wait_for_claim_state(api, id, "approved", 10s), "approved");
  ApiAnswer orphans = integrator.get("/v1/billing/messages?state=unmatched&limit=200");
  ASSERT_EQ(orphans.status, 200) << orphans.body;
  EXPECT_EQ(orphans.json["items"].size(), 120u);
  // Nothing is left at the exchange for this provider.
  auto queue = hub.nphies_peer()->get("/_peer/queue");
  ASSERT_TRUE(queue.ok());
  for (const auto& item : (*queue)["items"]) {
    EXPECT_TRUE(item.value("acknowledged", false)) << item.dump();
  }
}

TEST_P(NphiesConsultationTest, ARejectedClaimIsRecordedRejected) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHub hub(chime_binding(*chime), options({"--claim-rule", "reject"}));
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  const std::string id = book_to_waiting_room(hub, api, "appt-rejected");
  ASSERT_FALSE(id.empty());
  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());
  hold_and_end_session(*chime, session);
  EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 60s), "completed")
      << hub.timeline(api, id);
  hub.expect_billed_once(api, id, "rejected");
  EXPECT_EQ(joined(outcomes(hub, "claim-request")), "rejected");
}

// A consultation billed while the exchange adjudicates claims by `rule`
// (POST /_peer/rules), up to its claim reaching `state` at the hub; the
// claim's id.
std::string billed(ConsultationHub& hub, PeerProcess& chime, const HubApiClient& api,
                   const std::string& appointment, const json& rule, const std::string& state) {
  EXPECT_TRUE(hub.nphies_peer()->post("/_peer/rules", json{{"claim", rule}}).ok());
  const std::string id = book_to_waiting_room(hub, api, appointment);
  if (id.empty()) return {};
  Session session = admit_participants(hub, id);
  EXPECT_FALSE(session.meeting_id.empty());
  hold_and_end_session(chime, session);
  EXPECT_EQ(hub.wait_for_claim_state(api, id, state, 60s), state) << hub.timeline(api, id);
  ApiAnswer claims = api.get("/v1/consultations/" + id + "/claims");
  if (claims.status != 200 || claims.json["items"].size() != 1) {
    ADD_FAILURE() << claims.body;
    return {};
  }
  return claims.json["items"][0].value("id", std::string());
}

TEST_P(NphiesConsultationTest, QueuedIsCancelledApprovedIsNullifiedRejectedIsResubmitted) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHubOptions o = options();
  o.billing_poll_interval = "1h";  // the queued claim's answer is never fetched
  ConsultationHub hub(chime_binding(*chime), o);
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  HubApiClient integrator = hub.client("integrator");

  const std::string queued =
      billed(hub, *chime, api, "appt-cancel",
             {{"outcome", "queue"}, {"queueSeconds", 3600}, {"then", "approve"}}, "queued");
  ASSERT_FALSE(queued.empty());
  ApiAnswer refused = integrator.post("/v1/claims/" + queued + "/nullify", {{"reason", "WI"}});
  EXPECT_EQ(refused.status, 409)
      << refused.body;  // not adjudicated: the hub refuses, sends nothing
  ApiAnswer cancelled =
      integrator.post("/v1/claims/" + queued + "/cancel", {{"reason", "NP"}}, "cancel-1");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body << hub.log();
  EXPECT_EQ(cancelled.json["state"], "cancelled");
  EXPECT_EQ(cancelled.json["cancellation"]["state"], "taken");

  const std::string approved =
      billed(hub, *chime, api, "appt-nullify", {{"outcome", "approve"}}, "approved");
  ASSERT_FALSE(approved.empty());
  ApiAnswer nullified = integrator.post("/v1/claims/" + approved + "/nullify", {{"reason", "WI"}});
  ASSERT_EQ(nullified.status, 200) << nullified.body << hub.log();
  EXPECT_EQ(nullified.json["state"], "nullified");

  const std::string rejected =
      billed(hub, *chime, api, "appt-resubmit", {{"outcome", "reject"}}, "rejected");
  ASSERT_FALSE(rejected.empty());
  ASSERT_TRUE(
      hub.nphies_peer()->post("/_peer/rules", json{{"claim", {{"outcome", "approve"}}}}).ok());
  ApiAnswer resubmitted = integrator.post("/v1/claims/" + rejected + "/resubmit",
                                          {{"diagnosis_codes", {"Z71.9"}}}, "resubmit-1");
  ASSERT_EQ(resubmitted.status, 202) << resubmitted.body << hub.log();
  EXPECT_EQ(resubmitted.json["state"], "approved") << resubmitted.body;
  EXPECT_EQ(resubmitted.json["replaces"], rejected);
  const std::string replacement = resubmitted.json.value("id", std::string());
  ApiAnswer old = integrator.get("/v1/claims/" + rejected);
  EXPECT_EQ(old.json["state"], "rejected");
  EXPECT_EQ(old.json["replaced_by"], replacement);

  // The exchange: one cancel-request of code cancel and one of nullify, both
  // taken; the queued claim cancelled, the approved one nullified, the
  // rejected one still rejected and resubmitted by an approved claim that
  // names it as prior.
  EXPECT_EQ(joined(outcomes(hub, "cancel-request")), "cancelled, nullified");
  json claims = hub.nphies_claims()["items"];
  ASSERT_EQ(claims.size(), 4u) << claims.dump();
  std::map<std::string, int> states;
  std::map<std::string, std::string> state_by_key;
  std::string prior;
  std::string resubmission_state;
  for (const auto& c : claims) {
    ++states[c.value("state", std::string())];
    state_by_key[c.value("key", std::string())] = c.value("state", std::string());
    if (c.contains("resubmissionOf")) {
      prior = c["resubmissionOf"].get<std::string>();
      resubmission_state = c.value("state", std::string());
    }
  }
  EXPECT_EQ(states["cancelled"], 1) << claims.dump();
  EXPECT_EQ(states["nullified"], 1) << claims.dump();
  EXPECT_EQ(states["rejected"], 1) << claims.dump();
  EXPECT_EQ(resubmission_state, "approved") << claims.dump();
  EXPECT_EQ(state_by_key[prior], "rejected") << claims.dump();
  EXPECT_EQ(joined(outcomes(hub, "claim-request")), "queued, approved, rejected, approved");

  // Each change audited.
  HubApiClient auditor = hub.client("auditor");
  for (const char* action : {"claim.cancel", "claim.nullify", "claim.resubmit"}) {
    ApiAnswer trail = auditor.get(std::string("/v1/audit?action=") + action);
    ASSERT_EQ(trail.status, 200) << trail.body;
    EXPECT_EQ(trail.json["items"].size(), 1u) << action << ": " << trail.body;
  }
}

// The exchange's stored claims of `use` ("claim", "preauthorization").
std::vector<json> peer_claims(ConsultationHub& hub, const std::string& use) {
  std::vector<json> out;
  auto claims = hub.nphies_peer()->claims();
  EXPECT_TRUE(claims.ok());
  if (!claims.ok()) return out;
  for (const auto& c : (*claims)["items"]) {
    if (c.value("use", std::string()) == use) out.push_back(c);
  }
  return out;
}

// Today's date in Saudi Arabia (UTC+3), as the exchange dates payments.
std::string saudi_today() {
  std::time_t t = std::time(nullptr) + 3 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[11];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// The Claim identifier value the exchange holds the hub's claim `claim_id`
// under: the claims it stored, in the order they came, matched to the hub's
// in the order they were billed.
std::vector<std::string> peer_claim_values(ConsultationHub& hub) {
  std::vector<std::string> out;
  const json claims = hub.nphies_claims();
  for (const auto& c : claims["items"]) {
    const std::string key = c.value("key", std::string());
    out.push_back(key.substr(key.find('|') + 1));
  }
  return out;
}

// A workflow answers the payer's information request by itself: the
// facility deploys one triggered by billing.information_request that
// attaches the hub's visit and recording summaries. The billing round takes
// the request, the run stores the answer, the next round sends it; the
// exchange takes the communication with the two PDFs (it checks their type
// and size), and the claim gets its final answer, with no operator
// involved.
TEST_P(NphiesConsultationTest, AWorkflowAnswersTheInformationRequestByItself) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHub hub(chime_binding(*chime), options());
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  HubApiClient admin = hub.client("admin");
  HubApiClient integrator = hub.client("integrator");
  const std::string workflow = R"(name: answer_information
version: 1
trigger:
  kind: event
  event: billing.information_request
steps:
  - id: answer
    call: hub.answer_information_request
    with:
      information_request_id: ${trigger.information_request_id}
      texts: [The visit and recording summaries are attached.]
      pages: [visit_summary, recording_summary]
)";
  ApiAnswer deployed =
      admin.put_text("/v1/workflows/answer_information", workflow, "application/yaml");
  ASSERT_EQ(deployed.status, 201) << deployed.body;
  ASSERT_TRUE(hub.nphies_peer()
                  ->post("/_peer/communication-requests",
                         json{{"nextClaimFrom", "N-F-00001"},
                              {"texts", {"Please send the visit note."}},
                              {"attachments",
                               {{{"contentType", "application/pdf"}, {"title", "Visit note"}}}}})
                  .ok());
  const std::string claim =
      billed(hub, *chime, api, "appt-auto-answer",
             {{"outcome", "queue"}, {"queueSeconds", 1}, {"then", "approve"}}, "approved");
  ASSERT_FALSE(claim.empty()) << hub.log();
  ApiAnswer requests = integrator.get("/v1/information-requests");
  ASSERT_EQ(requests.status, 200) << requests.body;
  ASSERT_EQ(requests.json["items"].size(), 1u) << requests.body;
  EXPECT_EQ(requests.json["items"][0]["state"], "answered");
  EXPECT_EQ(requests.json["items"][0]["claim_id"], claim);
  auto taken = hub.nphies_peer()->get("/_peer/communications");
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_EQ((*taken)["items"].size(), 1u) << taken->dump();
  const json& communication = (*taken)["items"][0];
  EXPECT_EQ(communication.value("status", std::string()), "completed") << taken->dump();
  ASSERT_EQ(communication["attachments"].size(), 2u) << taken->dump();
  for (const auto& a : communication["attachments"]) {
    EXPECT_EQ(a.value("contentType", std::string()), "application/pdf") << taken->dump();
  }
  ApiAnswer runs = integrator.get("/v1/runs?workflow=answer_information");
  ASSERT_EQ(runs.status, 200) << runs.body;
  ASSERT_EQ(runs.json["items"].size(), 1u) << runs.body;
  EXPECT_EQ(runs.json["items"][0]["status"], "succeeded") << runs.body;
}

// Three approved claims paid by one reconciliation, the third only in part:
// the billing round (every second here) records it, the claims move to
// paid, paid and partially_paid with the amounts, the CSV export has the
// three lines, and the next round sends the payment-notice the exchange
// takes.
TEST_P(NphiesConsultationTest, AReconciliationPaysThreeClaimsOneInPart) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHub hub(chime_binding(*chime), options());
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  HubApiClient integrator = hub.client("integrator");

  std::vector<std::string> claims;
  for (const char* appointment : {"appt-pay-1", "appt-pay-2", "appt-pay-3"}) {
    claims.push_back(billed(hub, *chime, api, appointment, {{"outcome", "approve"}}, "approved"));
    ASSERT_FALSE(claims.back().empty());
  }
  std::vector<std::string> values = peer_claim_values(hub);
  ASSERT_EQ(values.size(), 3u);

  // 150 + 22.50 tax claimed; the exchange approves the net less a 10 % copay
  // of the price: 157.50 each.
  const std::string today = saudi_today();
  auto paid =
      hub.nphies_peer()->post("/_peer/payment-reconciliations",
                              json{{"paymentDate", today},
                                   {"paymentIdentifier", "TRF-E2E"},
                                   {"claims",
                                    {{{"claim", values[0]}, {"nphiesFee", 1.5}},
                                     {{"claim", values[1]}},
                                     {{"claim", values[2]}, {"amount", 50}, {"earlyFee", 0.5}}}}});
  ASSERT_TRUE(paid.ok()) << paid.error().message;
  ASSERT_DOUBLE_EQ((*paid).value("paymentAmount", 0.0), 157.5 + 157.5 + 50 - 1.5 - 0.5);

  std::map<std::string, std::string> states;
  auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    for (const auto& id : claims) {
      ApiAnswer c = integrator.get("/v1/claims/" + id);
      ASSERT_EQ(c.status, 200) << c.body;
      states[id] = c.json.value("state", std::string());
    }
    // The three are read one after the other: a read of the first can come
    // before the round's commit and one of the third after it, so wait
    // until none is still approved.
    if (std::none_of(claims.begin(), claims.end(),
                     [&](const std::string& id) { return states[id] == "approved"; })) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(states[claims[0]], "paid");
  EXPECT_EQ(states[claims[1]], "paid");
  EXPECT_EQ(states[claims[2]], "partially_paid");

  ApiAnswer payments = integrator.get("/v1/payments");
  ASSERT_EQ(payments.status, 200) << payments.body;
  ASSERT_EQ(payments.json["items"].size(), 1u) << payments.body;
  const json& payment = payments.json["items"][0];
  EXPECT_EQ(payment["payment_identifier"], "TRF-E2E");
  EXPECT_EQ(payment["payment_date"], today);
  ASSERT_EQ(payment["lines"].size(), 3u) << payments.body;
  std::map<std::string, json> line_of;
  for (const auto& l : payment["lines"]) line_of[l.value("claim_id", std::string())] = l;
  EXPECT_EQ(line_of[claims[0]]["amount"], 157.5);
  EXPECT_EQ(line_of[claims[0]]["nphies_fee"], 1.5);
  EXPECT_EQ(line_of[claims[1]]["amount"], 157.5);
  EXPECT_EQ(line_of[claims[2]]["amount"], 50.0);
  EXPECT_EQ(line_of[claims[2]]["early_fee"], 0.5);

  ApiAnswer csv = api.get("/v1/payments/export.csv?from=" + today + "&to=" + today);
  ASSERT_EQ(csv.status, 200) << csv.body;
  for (const auto& id : claims) EXPECT_NE(csv.body.find(id), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",157.50,0.00,1.50,SAR"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",50.00,0.50,0.00,SAR"), std::string::npos) << csv.body;
  std::size_t rows = 0;
  for (std::size_t at = csv.body.find("\r\n"); at != std::string::npos;
       at = csv.body.find("\r\n", at + 2)) {
    ++rows;
  }
  EXPECT_EQ(rows, 4u) << csv.body;  // the header and three lines

  // The hub tells the payer it took the reconciliation (bounded).
  until = std::chrono::steady_clock::now() + 30s;
  std::size_t notices = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto taken = hub.nphies_peer()->get("/_peer/payment-notices");
    notices = taken.ok() ? (*taken)["items"].size() : 0;
    if (notices > 0) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(notices, 1u) << integrator.get("/v1/payments").body << hub.log();
}

// A facility that bills in batches: three consultations each queue their
// claim (batched; nothing reaches the exchange), the billing round runs
// hourly here, so the restarted hub's first round sends the three in one
// batch-request, polls their answers and acknowledges them: the exchange
// holds one batch of the three claims, each approved there and at the hub.
TEST_P(NphiesConsultationTest, ThreeConsultationsOfABatchFacilityGoInOneBatch) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHubOptions o = options();
  o.billing_poll_interval = "1h";
  o.billing_submission = "batch";
  ConsultationHub hub(chime_binding(*chime), o);
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  std::vector<std::string> claims;
  for (const char* appointment : {"appt-batch-1", "appt-batch-2", "appt-batch-3"}) {
    claims.push_back(billed(hub, *chime, api, appointment, {{"outcome", "approve"}}, "batched"));
    ASSERT_FALSE(claims.back().empty());
  }
  EXPECT_EQ(outcomes(hub, "claim-request").size(), 0u);
  EXPECT_EQ(outcomes(hub, "batch-request").size(), 0u);

  hub.stop();
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient integrator = hub.client("integrator");
  std::map<std::string, std::string> states;
  auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until) {
    int approved = 0;
    for (const auto& id : claims) {
      ApiAnswer c = integrator.get("/v1/claims/" + id);
      ASSERT_EQ(c.status, 200) << c.body;
      states[id] = c.json.value("state", std::string());
      approved += states[id] == "approved" ? 1 : 0;
    }
    if (approved == 3) break;
    std::this_thread::sleep_for(100ms);
  }
  std::set<std::string> batch_ids;
  for (const auto& id : claims) {
    EXPECT_EQ(states[id], "approved") << hub.log();
    batch_ids.insert(integrator.get("/v1/claims/" + id).json.value("batch_id", std::string()));
  }
  EXPECT_EQ(batch_ids.size(), 1u);
  EXPECT_FALSE(batch_ids.begin()->empty());

  EXPECT_EQ(joined(outcomes(hub, "batch-request")), "accepted 3 claims, 0 duplicates");
  auto batches = hub.nphies_peer()->get("/_peer/batches");
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ((*batches)["items"].size(), 1u) << batches->dump();
  EXPECT_EQ((*batches)["items"][0]["count"], 3);
  EXPECT_EQ((*batches)["items"][0]["claims"].size(), 3u);
  // The exchange's final state: each answer polled and acknowledged.
  json held = hub.nphies_claims()["items"];
  ASSERT_EQ(held.size(), 3u) << held.dump();
  for (const auto& c : held) {
    EXPECT_EQ(c.value("state", std::string()), "approved") << held.dump();
    EXPECT_EQ(c.value("submissions", 0), 1) << held.dump();
  }
  EXPECT_EQ(outcomes(hub, "acknowledgement").size(), 3u);
}

TEST_P(NphiesPriorAuthTest, TheServiceAsksFirstAndTheClaimCarriesTheApproval) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHubOptions o = options();
  o.requires_prior_auth = true;
  ConsultationHub hub(chime_binding(*chime), o);
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");

  const std::string approved = book_to_waiting_room(hub, api, "appt-priorauth");
  ASSERT_FALSE(approved.empty());
  Session session = admit_participants(hub, approved);
  ASSERT_FALSE(session.meeting_id.empty());
  hold_and_end_session(*chime, session);
  EXPECT_EQ(hub.wait_for_status(api, approved, {"completed", "failed", "cancelled"}, 60s),
            "completed")
      << hub.timeline(api, approved);
  std::vector<json> authorizations = peer_claims(hub, "preauthorization");
  std::vector<json> claims = peer_claims(hub, "claim");
  ASSERT_EQ(authorizations.size(), 1u);
  ASSERT_EQ(claims.size(), 1u);
  const std::string issued = authorizations[0].value("issuedPreAuthRef", std::string());
  EXPECT_FALSE(issued.empty()) << authorizations[0].dump();
  EXPECT_EQ(claims[0].value("preAuthRef", std::string()), issued) << claims[0].dump();
  ApiAnswer rows = api.get("/v1/consultations/" + approved + "/claims");
  ASSERT_EQ(rows.status, 200) << rows.body;
  ASSERT_EQ(rows.json["items"].size(), 2u) << rows.body;
  for (const auto& row : rows.json["items"]) EXPECT_EQ(row["state"], "approved") << rows.body;

  // The payer now refuses: the second consultation goes on, its timeline
  // records the refusal, and no claim goes to the exchange for it.
  ASSERT_TRUE(
      hub.nphies_peer()->post("/_peer/rules", json{{"priorauth", {{"outcome", "reject"}}}}).ok());
  const std::string rejected = book_to_waiting_room(hub, api, "appt-priorauth-rejected");
  ASSERT_FALSE(rejected.empty());
  Session second = admit_participants(hub, rejected);
  ASSERT_FALSE(second.meeting_id.empty());
  hold_and_end_session(*chime, second);
  EXPECT_EQ(hub.wait_for_status(api, rejected, {"completed", "failed", "cancelled"}, 60s),
            "completed")
      << hub.timeline(api, rejected);
  const std::string timeline = hub.timeline(api, rejected);
  EXPECT_NE(timeline.find("prior_auth.rejected"), std::string::npos) << timeline;
  EXPECT_EQ(peer_claims(hub, "preauthorization").size(), 2u);
  EXPECT_EQ(peer_claims(hub, "claim").size(), 1u);
  ApiAnswer second_rows = api.get("/v1/consultations/" + rejected + "/claims");
  ASSERT_EQ(second_rows.status, 200) << second_rows.body;
  ASSERT_EQ(second_rows.json["items"].size(), 1u) << second_rows.body;
  EXPECT_EQ(second_rows.json["items"][0]["state"], "rejected") << second_rows.body;
}

TEST_P(NphiesConsultationTest, EveryCallFailsOnceAndTheHubIsKilledMidClaim) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHubOptions o = options({"--claim-rule", "queue:1:approve"});
  // The Chime peer posts the attendees' events before the meeting's end, in
  // order: hub.attendance need not wait the default 3 s for late ones.
  o.attendance_settle = "200ms";
  ConsultationHub hub(chime_binding(*chime), o);
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(
      hub.nphies_peer()
          ->post(
              "/_peer/faults",
              json::array({
                  {{"event", "eligibility-request"}, {"count", 1}, {"status", 500}},
                  // Stored by the exchange, never answered: the hub dies waiting.
                  {{"event", "claim-request"}, {"count", 1}, {"hang", true}, {"afterEffect", true}},
                  {{"event", "poll-request"}, {"count", 1}, {"status", 503}},
                  {{"event", "acknowledgement"}, {"count", 1}, {"status", 500}},
              }))
          .ok());
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  const std::string id = book_to_waiting_room(hub, api, "appt-nphies-faults");
  ASSERT_FALSE(id.empty());
  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());
  hold_and_end_session(*chime, session);

  // The claim reached the exchange and hangs there: kill -9 mid-claim.
  auto until = std::chrono::steady_clock::now() + 90s;
  bool held = false;
  while (!held && std::chrono::steady_clock::now() < until) {
    auto faults = hub.nphies_peer()->get("/_peer/faults");
    held = faults.ok() && (*faults).value("held", 0) >= 1;
    if (!held) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(held) << "the claim never reached the exchange: " << hub.timeline(api, id);
  hub.kill();
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  api = hub.client("hospital");

  EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 90s), "completed")
      << hub.timeline(api, id);
  hub.expect_billed_once(api, id, "approved");
  json claims = hub.nphies_claims();
  ASSERT_EQ(claims["items"].size(), 1u);
  EXPECT_GE(claims["items"][0].value("duplicates", 0), 1)
      << "the resend was a duplicate: " << claims.dump();
  auto faults = hub.nphies_peer()->get("/_peer/faults");
  ASSERT_TRUE(faults.ok());
  EXPECT_TRUE((*faults)["rules"].empty()) << "every fault fired: " << faults->dump();
}

// Every refusal of mutual TLS, one hub restarted with each identity: the
// eligibility step fails for good naming billing.nphies, and the exchange
// processed no message (connections refused at the handshake carry none).
TEST_P(NphiesMutualTlsTest, EveryRefusedIdentityFailsForGoodNamingTheInstance) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHub hub(chime_binding(*chime), options());
  ASSERT_NE(hub.nphies_peer(), nullptr);
  struct Case {
    std::string client, ca, says;
  };
  int n = 0;
  for (const Case& c :
       {Case{"", "ca.crt", "no client certificate"}, Case{"client-expired", "ca.crt", "expired"},
        Case{"other-client", "ca.crt", "not accepted by the exchange"},
        Case{"client", "other-ca.crt", "TLS verification"}}) {
    SCOPED_TRACE(c.client + " / " + c.ca);
    hub.present_nphies_client(c.client, c.ca);
    ASSERT_TRUE(hub.start());
    HubApiClient api = hub.client("hospital");
    const std::string id = hub.book(api, "appt-tls-" + std::to_string(++n));
    ASSERT_FALSE(id.empty());
    json run = wait_for_failed_run(hub, api, id, 40s);
    const std::string error = run.value("error", std::string());
    EXPECT_NE(error.find("eligibility"), std::string::npos) << run.dump();
    EXPECT_NE(error.find("billing.nphies"), std::string::npos) << run.dump();
    EXPECT_NE(error.find(c.says), std::string::npos) << run.dump();
    int eligibility_attempts = 0;
    for (const auto& a : run["attempts"]) {
      eligibility_attempts += a.value("step_id", std::string()) == "eligibility";
    }
    EXPECT_EQ(eligibility_attempts, 1) << "not retried: " << run.dump();
    hub.stop();
  }
  EXPECT_EQ(hub.nphies_messages("eligibility-request"), 0);
  EXPECT_EQ(hub.nphies_messages("claim-request"), 0);
}

// The certificate expires between the eligibility check and the claim: the
// claim is recorded in `error` (audited, naming the instance) and the
// exchange receives no claim.
TEST_P(NphiesMutualTlsTest, AClaimWithAnExpiredCertificateIsAnAuditedError) {
  auto chime = start_peer(600000);
  ASSERT_TRUE(chime);
  ConsultationHub hub(chime_binding(*chime), options());
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  HubApiClient api = hub.client("hospital");
  const std::string id = book_to_waiting_room(hub, api, "appt-tls-claim");
  ASSERT_FALSE(id.empty());
  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());

  hub.stop();
  hub.present_nphies_client("client-expired");
  ASSERT_TRUE(hub.start());
  send_events_to(*chime, hub);
  api = hub.client("hospital");
  hold_and_end_session(*chime, session);

  json run = wait_for_failed_run(hub, api, id, 90s);
  const std::string error = run.value("error", std::string());
  EXPECT_NE(error.find("claim_submitted"), std::string::npos) << run.dump();
  EXPECT_NE(error.find("billing.nphies"), std::string::npos) << run.dump();
  EXPECT_EQ(hub.wait_for_claim_state(api, id, "error", 10s), "error");
  EXPECT_EQ(hub.nphies_messages("claim-request"), 0);

  ApiAnswer claims = api.get("/v1/consultations/" + id + "/claims");
  ASSERT_EQ(claims.json["items"].size(), 1u) << claims.body;
  const std::string claim_id = claims.json["items"][0].value("id", std::string());
  HubApiClient auditor = hub.client("auditor");
  ApiAnswer trail = auditor.get("/v1/audit?entity_type=claim&entity_id=" + claim_id);
  ASSERT_EQ(trail.status, 200) << trail.body;
  bool audited = false;
  for (const auto& e : trail.json["items"]) {
    audited = audited || (e.value("action", std::string()) == "claim.submit_result" &&
                          e.value("outcome", std::string()) == "failure" &&
                          e.dump().find("\"state\":\"error\"") != std::string::npos);
  }
  EXPECT_TRUE(audited) << trail.body;
}

#ifdef WASL_CONSULTATION_POSTGRES
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NphiesMutualTlsTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NphiesPriorAuthTest);
INSTANTIATE_TEST_SUITE_P(Postgres, NphiesConsultationTest, ::testing::Values(true),
                         [](const auto&) { return std::string("Postgres"); });
#else
INSTANTIATE_TEST_SUITE_P(Sqlite, NphiesConsultationTest, ::testing::Values(false),
                         [](const auto&) { return std::string("Sqlite"); });
INSTANTIATE_TEST_SUITE_P(Sqlite, NphiesMutualTlsTest, ::testing::Values(false),
                         [](const auto&) { return std::string("Sqlite"); });
INSTANTIATE_TEST_SUITE_P(Sqlite, NphiesPriorAuthTest, ::testing::Values(false),
                         [](const auto&) { return std::string("Sqlite"); });
#endif

}  // namespace
}  // namespace wasl::testing
