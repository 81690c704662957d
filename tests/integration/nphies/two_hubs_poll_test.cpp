// Two hubs polling one facility: two real `wasl serve` processes on one
// PostgreSQL database, both bound to the one NPHIES peer (mutual TLS) for
// facility hospital-a, each running its billing round every second. The
// hubs submit the claims (the exchange queues their answers), then the
// exchange queues for the facility the claim answers, a
// communication-request, a payment-reconciliation, an error notice and an
// advanced authorization. Once the exchange's queue is acknowledged, each
// message is one billing_messages row, each claim moved once (one
// claim.submit_result and one claim.payment audit event per claim), the
// reconciliation is one payment noticed once, and every message was
// acknowledged; the error notice is a billing dead letter. The hubs share
// their alerts: one per transition of the billing instance however many
// hubs see it, each delivered once. Bounded: every wait has a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/nphies/nphies_peer_process.hpp"
#include "tests/unit/alerts/alert_receiver.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using plugins::nphies::testing::NphiesPeerProcess;

constexpr const char* kFacility = "hospital-a";
constexpr int kClaimsPerHub = 3;
constexpr const char* kAlertSecret = "whsec_dHdvLWh1YnMtYWxlcnQtc2VjcmV0LTEyMzQ1Ng==";

std::string yaml_quoted(const std::string& text) { return json(text).dump(); }

// A claim for the sandbox patient, built by hub.build_claim and sent by
// billing.submit_claim: what the consultation workflow does after a session,
// without the EHR and the video.
constexpr const char* kClaimWorkflow = R"(name: claim_only
version: 1
description: A claim for the sandbox patient, built and sent to the exchange.
trigger:
  kind: api
steps:
  - id: claim
    call: hub.build_claim
    with:
      patient_id: patient-7
      practitioner_id: practitioner-3
      patient:
        id: patient-7
        identifiers:
          - {system: "urn:oid:2.16.840.1.113883.3.1814", value: "2098765432"}
        given_name: Fatimah
        family_name: Al-Zahrani
        birth_date: "1990-04-12"
        gender: female
      practitioner:
        id: practitioner-3
        name: Dr. Khalid Al-Harbi
        identifiers:
          - {system: "http://nphies.sa/license/practitioner-license", value: N-P-00003}
      coverage:
        id: cov-1
        status: active
        patient_id: patient-7
        payer_id: N-I-00001
        member_id: M-10001
        plan: Gold
      encounter_id: enc-9
      service_start_ms: 1763715600000
      service_end_ms: 1763717400000
  - id: submitted
    call: billing.submit_claim
    with: ${steps.claim.output}
    timeout: 1m
)";

class TwoHubsPollTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto deps = NphiesPeerProcess::ensure_dependencies(300s);
    ASSERT_TRUE(deps.ok()) << deps.error().message;
    auto pki = NphiesPeerProcess::make_pki("two-hubs");
    ASSERT_TRUE(pki.ok()) << pki.error().message;
    // Every claim answer waits in the queue until the test releases it.
    auto started = NphiesPeerProcess::start(*pki, {"--claim-rule", "queue:3600:approve"}, 120s);
    ASSERT_TRUE(started.ok()) << started.error().message;
    peer_ = std::move(started).value();

    database_url_ = fresh_postgres_schema(postgres_test_url());
    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    std::filesystem::create_directories(dir_.file("workflows"));
    dir_.write("workflows/claim_only.yaml", kClaimWorkflow);
    auto pki_file = [&](const std::string& name) {
      return "${file:" + (*pki / name).string() + "}";
    };
    const json nphies = {{"base_url", peer_->base_url()},
                         {"provider_base_url", "http://hospital-a.test"},
                         {"request_timeout_seconds", 10},
                         {"tls",
                          {{"client_certificate", pki_file("client.crt")},
                           {"client_key", pki_file("client.key")},
                           {"ca_bundle", pki_file("ca.crt")}}}};
    dir_.write("wasl.yaml",
               "server:\n  host: 127.0.0.1\n  port: 0\n"
               "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: " +
                   yaml_quoted(database_url_) +
                   "\n    pool_size: 4\n"
                   "security:\n  key_file: " +
                   yaml_quoted(dir_.file("keys.json")) +
                   "\n"
                   "workflow:\n  workers: 2\n  lease: 3s\n  poll_interval: 50ms\n"
                   "archive:\n  root: " +
                   yaml_quoted(dir_.file("recordings")) +
                   "\n"
                   "plugins:\n  files:\n    - name: nphies\n      file: " +
                   yaml_quoted(WASL_NPHIES_PLUGIN_FILE) +
                   "\n"
                   "instances:\n  billing.nphies:\n    plugin: nphies\n    settings: " +
                   nphies.dump() +
                   "\n"
                   "facilities:\n  " +
                   kFacility +
                   ":\n    name: \"Hospital A\"\n"
                   "    bindings:\n      billing: billing.nphies\n"
                   "    alerts:\n      webhooks:\n        ops:\n          url: " +
                   yaml_quoted(receiver_.url("/alerts")) + "\n          secret: " + kAlertSecret +
                   "\n"
                   "    billing: {provider_license: N-F-00001, payer_license: N-I-00001, "
                   "service_code: \"83600-00-10\", price: 150, tax: 22.50, diagnosis_code: Z71.9, "
                   "poll_interval: 1s}\n"
                   "workflows_dir: " +
                   yaml_quoted(dir_.file("workflows")) + "\n");

    // One after the other: the first migrates the schema.
    for (int i = 0; i < 2; ++i) {
      hubs_.push_back(std::make_unique<HubProcess>(dir_.file("wasl.yaml")));
      auto port = hubs_.back()->wait_until_listening(60000ms);
      ASSERT_TRUE(port.has_value()) << hubs_.back()->log();
      ports_.push_back(*port);
    }
    CommandResult made =
        run_wasl({"apikeys", "create", "--facility", kFacility, "--role", "integrator", "--label",
                  "two hubs", "--config", dir_.file("wasl.yaml")});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    key_ = made.out.substr(0, made.out.find('\n'));

    storage::PostgresOptions options;
    options.url = database_url_;
    auto opened = storage::open_postgres(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  void TearDown() override {
    for (auto& hub : hubs_) {
      hub->signal(SIGTERM);
      EXPECT_TRUE(hub->wait_for_exit(30000ms).has_value()) << hub->log();
    }
  }

  // A JSON answer of hub `hub`'s API (the integrator's key).
  json api(int hub, const std::string& method, const std::string& path, const json& body = {},
           const std::string& idempotency_key = {}) {
    HttpAnswer a = http_request(ports_[hub], method, path, key_,
                                body.is_null() ? std::string() : body.dump(), idempotency_key);
    EXPECT_GE(a.status, 200) << path;
    EXPECT_LT(a.status, 300) << path << ": " << a.body;
    return json::parse(a.body, nullptr, false);
  }

  json peer(const std::string& path) {
    auto answer = peer_->get(path);
    EXPECT_TRUE(answer.ok()) << path << ": " << answer.error().message;
    return answer.ok() ? (*answer)["items"] : json::array();
  }

  std::int64_t scalar(const std::string& sql, const storage::Params& params = {}) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return -1;
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << sql << ": " << (rows.ok() ? "" : rows.error().message);
    if (!rows.ok() || rows->empty()) return -1;
    return rows->front().get_int(0).value_or(-1);
  }

  // How many of the facility's claims are in `state` (GET /v1/claims).
  std::size_t claims_in(const std::string& state) {
    json page = api(0, "GET", "/v1/claims?state=" + state + "&limit=100");
    return page.is_object() ? page["items"].size() : 0;
  }

  // Polls `done` every 100 ms until it holds or `deadline` passes.
  template <typename Done>
  bool wait_until(Done done, std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return done();
  }

  // Whether every entry of the exchange's queue for the provider was
  // acknowledged.
  bool queue_acknowledged() {
    json queue = peer("/_peer/queue");
    if (queue.empty()) return false;
    for (const json& q : queue) {
      if (q.value("provider", "") == "N-F-00001" && !q.value("acknowledged", false)) return false;
    }
    return true;
  }

  std::string logs() const {
    std::string all;
    for (std::size_t i = 0; i < hubs_.size(); ++i) {
      all += "--- hub " + std::to_string(i) + "\n" + hubs_[i]->log();
    }
    return all;
  }

  // The facility's alert webhook (facilities.hospital-a.alerts).
  alerts::testing::Receiver receiver_{{{"/alerts", kAlertSecret}}};
  TempDir dir_;
  std::unique_ptr<NphiesPeerProcess> peer_;
  std::string database_url_;
  std::vector<std::unique_ptr<HubProcess>> hubs_;
  std::vector<int> ports_;
  std::string key_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(TwoHubsPollTest, EachAnswerIsProcessedOnce) {
  // Each hub books claims; the exchange answers each `queued`.
  const std::string at = "2030-01-15T09:30:00+03:00";
  for (int hub = 0; hub < 2; ++hub) {
    for (int n = 0; n < kClaimsPerHub; ++n) {
      const std::string name = "claim-" + std::to_string(hub) + "-" + std::to_string(n);
      api(hub, "POST", "/v1/consultations",
          {{"type", "doctor_patient"},
           {"workflow", "claim_only"},
           {"scheduled_at", at},
           {"patient", {{"id", "patient-7"}}}},
          name);
    }
  }
  const std::size_t claims = 2 * kClaimsPerHub;
  ASSERT_TRUE(wait_until([&] { return claims_in("queued") == claims; }, 60s))
      << api(0, "GET", "/v1/claims?limit=100").dump() << logs();
  json held = peer("/_peer/claims");
  ASSERT_EQ(held.size(), claims) << held.dump();

  // The claim answers become due: both hubs poll, each answer moves its
  // claim once.
  ASSERT_TRUE(peer_->post("/_peer/queue/release", json::object()).ok());
  ASSERT_TRUE(
      wait_until([&] { return queue_acknowledged() && claims_in("approved") == claims; }, 60s))
      << peer("/_peer/queue").dump() << logs();

  // Then the payer's and the exchange's own messages: an information
  // request about the first claim, a reconciliation paying four claims, an
  // error notice about the second claim's message, an advanced
  // authorization.
  std::vector<std::string> values;
  for (const json& c : peer("/_peer/claims")) {
    const std::string key = c.value("key", "");
    values.push_back(key.substr(key.find('|') + 1));
  }
  ASSERT_EQ(values.size(), claims);
  auto asked = peer_->post("/_peer/communication-requests",
                           {{"claim", values[0]}, {"texts", {"Send the visit note"}}});
  ASSERT_TRUE(asked.ok()) << asked.error().message;
  json paid_claims = json::array();
  for (int i = 0; i < 4; ++i) paid_claims.push_back({{"claim", values[i]}});
  auto paid = peer_->post("/_peer/payment-reconciliations",
                          {{"paymentDate", "2026-11-20"}, {"claims", paid_claims}});
  ASSERT_TRUE(paid.ok()) << paid.error().message;
  auto noticed = peer_->post("/_peer/error-notices",
                             {{"about", held[1].value("messageHeaderId", "")},
                              {"issues", {{{"code", "GE-00013"}, {"text", "Invalid signature"}}}}});
  ASSERT_TRUE(noticed.ok()) << noticed.error().message;
  auto authorized =
      peer_->post("/_peer/advanced-authorizations",
                  {{"patient", {{"identifier", "2098765432"}}}, {"memberId", "M-10001"}});
  ASSERT_TRUE(authorized.ok()) << authorized.error().message;

  ASSERT_TRUE(wait_until(
      [&] {
        return queue_acknowledged() && claims_in("paid") == 4 &&
               peer("/_peer/payment-notices").size() == 1;
      },
      60s))
      << peer("/_peer/queue").dump() << logs();

  // Each message the exchange queued is one billing_messages row, and each
  // was acknowledged.
  json queue = peer("/_peer/queue");
  ASSERT_EQ(queue.size(), claims + 4) << queue.dump();
  std::set<std::string> queued_ids;
  for (const json& q : queue) {
    queued_ids.insert(q.value("messageHeaderId", ""));
    EXPECT_TRUE(q.value("acknowledged", false)) << q.dump();
    EXPECT_GE(q.value("delivered", 0), 1) << q.dump();
  }
  EXPECT_EQ(queued_ids.size(), queue.size());
  json messages = api(1, "GET", "/v1/billing/messages?limit=100");
  ASSERT_TRUE(messages.is_object());
  std::map<std::string, int> rows_of;
  std::map<std::string, int> events;
  for (const json& m : messages["items"]) {
    ++rows_of[m.value("message_id", "")];
    ++events[m.value("event", "")];
  }
  EXPECT_EQ(rows_of.size(), queue.size()) << messages.dump();
  for (const std::string& id : queued_ids) EXPECT_EQ(rows_of[id], 1) << id;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM billing_messages"),
            static_cast<std::int64_t>(queue.size()));
  EXPECT_EQ(events["claim-response"], static_cast<int>(claims));
  EXPECT_EQ(events["communication-request"], 1);
  EXPECT_EQ(events["payment-reconciliation"], 1);
  EXPECT_EQ(events["error-notice"], 1);
  EXPECT_EQ(events["advanced-authorization"], 1);

  // Each claim moved once by its answer and paid once.
  // (Its submission, answered queued, is the other claim.submit_result.)
  EXPECT_EQ(scalar("SELECT COUNT(DISTINCT entity_id) FROM audit_events WHERE action = "
                   "'claim.submit_result' AND detail LIKE '%\"state\":\"approved\"%'"),
            static_cast<std::int64_t>(claims));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = "
                   "'claim.submit_result' AND detail LIKE '%\"state\":\"approved\"%'"),
            static_cast<std::int64_t>(claims));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result'"),
            static_cast<std::int64_t>(2 * claims));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment'"), 4);
  EXPECT_EQ(scalar("SELECT COUNT(DISTINCT entity_id) FROM audit_events "
                   "WHERE action = 'claim.payment'"),
            4);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM information_requests"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM advanced_authorizations"), 1);

  // The payment is not doubled: one reconciliation, four lines, one notice.
  json payments = api(0, "GET", "/v1/payments");
  ASSERT_TRUE(payments.is_object());
  ASSERT_EQ(payments["items"].size(), 1u) << payments.dump();
  EXPECT_EQ(payments["items"][0]["lines"].size(), 4u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM payment_lines"), 4);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'payment.notice'"), 1);
  EXPECT_EQ(peer("/_peer/payment-notices").size(), 1u);

  // The error notice is the facility's one billing dead letter, naming the
  // claim whose message it is about.
  json dead = api(1, "GET", "/v1/dead-letters?kind=billing");
  ASSERT_TRUE(dead.is_object());
  ASSERT_EQ(dead["items"].size(), 1u) << dead.dump();
  EXPECT_EQ(dead["items"][0]["event"], "error-notice");
  EXPECT_EQ(dead["items"][0]["message_id"], (*noticed).value("messageHeaderId", ""));
  EXPECT_FALSE(dead["items"][0]["claim_id"].is_null()) << dead.dump();
}

}  // namespace
}  // namespace wasl::testing

namespace wasl::testing {
namespace {

// The alerts the two hubs share: the facility's NPHIES client certificate
// (made for two days) raises certificate.expiring once, both hubs list the
// same alerts, and the facility's webhook receives each alert once, signed.
TEST_F(TwoHubsPollTest, AlertsAreSharedAndEachIsDeliveredOnce) {
  auto expiring = [](const json& page) {
    int n = 0;
    if (!page.is_object()) return n;
    for (const json& a : page["items"]) {
      if (a.value("kind", "") == "certificate.expiring" &&
          a.value("instance", "") == "billing.nphies") {
        ++n;
      }
    }
    return n;
  };
  json first;
  ASSERT_TRUE(wait_until(
      [&] {
        first = api(0, "GET", "/v1/alerts");
        return expiring(first) > 0;
      },
      30000ms))
      << logs();
  EXPECT_EQ(expiring(first), 1) << first.dump();
  EXPECT_EQ(api(1, "GET", "/v1/alerts")["items"], first["items"]) << "the hubs disagree";

  ASSERT_TRUE(wait_until(
      [&] {
        return scalar("SELECT COUNT(*) FROM alert_deliveries") > 0 &&
               scalar("SELECT COUNT(*) FROM alert_deliveries WHERE state <> 'delivered'") == 0;
      },
      30000ms))
      << logs();
  const std::int64_t deliveries = scalar("SELECT COUNT(*) FROM alert_deliveries");
  const auto received = receiver_.all();
  EXPECT_EQ(static_cast<std::int64_t>(received.size()), deliveries) << "an alert sent twice";
  std::set<std::string> ids;
  for (const auto& r : received) {
    EXPECT_TRUE(r.verified) << r.body.dump();
    ids.insert(r.id);
  }
  EXPECT_EQ(ids.size(), received.size());
  bool certificate = false;
  for (const auto& r : received) {
    certificate = certificate || r.body["data"].value("kind", "") == "certificate.expiring";
  }
  EXPECT_TRUE(certificate);
}

// The exchange answers 503 to its next eight requests: the hubs' billing
// rounds (one hub a period, under their lease) see the billing instance
// fail, then answer again. However many of those failures and successes
// each hub saw, the two hubs wrote one instance.failing and one
// instance.recovered, each delivered once, and both list the same.
TEST_F(TwoHubsPollTest, AnInstanceFailingIsOneAlertPerTransitionAcrossHubs) {
  ASSERT_TRUE(
      peer_->post("/_peer/faults", json{{"event", "*"}, {"count", 8}, {"status", 503}}).ok());
  auto alerts_of = [&](const std::string& kind) {
    return scalar("SELECT COUNT(*) FROM alerts WHERE instance = 'billing.nphies' AND kind = $1",
                  {kind});
  };
  ASSERT_TRUE(wait_until([&] { return alerts_of("instance.recovered") > 0; }, 60000ms)) << logs();
  EXPECT_EQ(alerts_of("instance.failing"), 1) << logs();
  EXPECT_EQ(alerts_of("instance.recovered"), 1) << logs();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM alert_states WHERE instance = 'billing.nphies' AND "
                   "state = 'healthy'"),
            1);
  EXPECT_EQ(api(0, "GET", "/v1/alerts")["items"], api(1, "GET", "/v1/alerts")["items"]);

  ASSERT_TRUE(wait_until(
      [&] {
        return scalar(
                   "SELECT COUNT(*) FROM alert_deliveries d JOIN alerts a ON a.id = "
                   "d.alert_id WHERE a.kind LIKE 'instance.%' AND d.state = 'delivered'") == 2;
      },
      30000ms))
      << logs();
  std::vector<std::string> delivered;
  std::set<std::string> ids;
  for (const auto& r : receiver_.all()) {
    const std::string kind = r.body["data"].value("kind", "");
    if (kind.rfind("instance.", 0) != 0) continue;
    EXPECT_TRUE(r.verified) << r.body.dump();
    delivered.push_back(kind);
    ids.insert(r.id);
  }
  EXPECT_EQ(delivered, (std::vector<std::string>{"instance.failing", "instance.recovered"}));
  EXPECT_EQ(ids.size(), 2u) << "an alert delivered twice";
}

}  // namespace
}  // namespace wasl::testing
