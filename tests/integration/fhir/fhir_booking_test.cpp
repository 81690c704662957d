// The EHR books and cancels consultations: a real `wasl serve` with the FHIR
// plugin as the facility's ehr.fhir instance and `ehr_bookings` naming a
// workflow, and the FHIR peer (tests/peers/fhir) holding a rest-hook
// Subscription whose endpoint is the hub's /v1/webhooks/ehr.fhir. No POST
// /v1/consultations anywhere: the peer's notifications start, repeat and
// cancel; an appointment the EHR does not serve stays unmatched until it is
// replayed; a wrong secret is 401 and audited, a malformed bundle 400, and
// neither stores anything.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "tests/integration/consultation/hub_api_client.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr const char* kSecret = "booking-secret-0123456789";
constexpr const char* kToken = "ehr-bearer-token";

// The workflow the EHR's bookings start: it reads the appointment, marks the
// consultation waiting, then waits (for an event nothing sends) so a
// cancellation finds it running.
constexpr const char* kWorkflow = R"(name: ehr_visit
version: 1
trigger:
  kind: api
steps:
  - id: appointment
    call: ehr.read_appointment
    with:
      id: ${trigger.appointment_id}
  - id: waiting
    call: hub.set_status
    with:
      status: waiting_room
  - id: held
    wait_for: appointment.updated
    correlation: held/${steps.appointment.output.id}
    timeout: 1h
)";

std::string yaml_quoted(const std::string& text) { return json(text).dump(); }

struct Posted {
  int status = 0;
  std::string content_type;
  json body;
};

Posted post_webhook(int port, const std::string& body, const std::string& secret) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(15, 0));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v1/webhooks/ehr.fhir",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/fhir+json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  if (!secret.empty()) request.set("X-Wasl-Subscription-Secret", secret);
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::string text;
  Poco::StreamCopier::copyToString(in, text);
  return {static_cast<int>(response.getStatus()), response.getContentType(),
          json::parse(text, nullptr, false)};
}

class FhirBookingTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    FhirPeerOptions peer_options;
    peer_options.auth = "bearer";
    peer_options.bearer_token = kToken;
    auto peer = FhirPeer::start(peer_options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(*peer);

    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    std::filesystem::create_directories(dir_.file("workflows"));
    dir_.write("workflows/ehr_visit.yaml", kWorkflow);
    std::string storage;
    if (GetParam()) {
      storage = "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: " +
                yaml_quoted(fresh_postgres_schema(postgres_test_url())) + "\n";
    } else {
      storage = "storage:\n  backend: sqlite\n  migrate_on_start: true\n  sqlite:\n    path: " +
                yaml_quoted(dir_.file("wasl.db")) + "\n";
    }
    const json settings = {{"base_url", peer_->base_url()},
                           {"auth", "bearer"},
                           {"bearer_token", kToken},
                           {"subscription_secret", kSecret}};
    dir_.write("wasl.yaml",
               "server:\n  host: 127.0.0.1\n  port: 0\n" + storage +
                   "security:\n  key_file: " + yaml_quoted(dir_.file("keys.json")) +
                   "\nworkflow:\n  workers: 2\n  poll_interval: 50ms\n"
                   "plugins:\n  files:\n    - name: fhir\n      file: " +
                   yaml_quoted(WASL_FHIR_PLUGIN_FILE) +
                   "\ninstances:\n  ehr.fhir:\n    plugin: fhir\n    settings: " + settings.dump() +
                   "\nfacilities:\n  hospital-a:\n    name: Hospital A\n"
                   "    bindings:\n      ehr: ehr.fhir\n"
                   "    ehr_bookings:\n      workflow: ehr_visit\n"
                   "  hospital-b:\n    name: Hospital B\n"
                   "workflows_dir: " +
                   yaml_quoted(dir_.file("workflows")) + "\n");
    hub_ = std::make_unique<HubProcess>(dir_.file("wasl.yaml"));
    auto port = hub_->wait_until_listening(60000ms);
    ASSERT_TRUE(port.has_value()) << hub_->log();
    port_ = *port;
    api_ = std::make_unique<HubApiClient>(port_, key("hospital-a", "admin"));
    auditor_ = std::make_unique<HubApiClient>(port_, key("hospital-a", "auditor"));
    other_ = std::make_unique<HubApiClient>(port_, key("hospital-b", "admin"));
    ASSERT_TRUE(
        peer_
            ->subscribe("wasl",
                        "http://127.0.0.1:" + std::to_string(port_) + "/v1/webhooks/ehr.fhir",
                        std::string("X-Wasl-Subscription-Secret: ") + kSecret)
            .ok());
  }

  void TearDown() override {
    if (hub_) {
      hub_->signal(SIGTERM);
      hub_->wait_for_exit(30000ms);
    }
  }

  std::string key(const std::string& facility, const std::string& role) {
    CommandResult made = run_wasl({"apikeys", "create", "--facility", facility, "--role", role,
                                   "--label", "booking test", "--config", dir_.file("wasl.yaml")});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return made.out.substr(0, made.out.find('\n'));
  }

  // A booked telehealth appointment of the demo patient, stored as `id`
  // (which notifies the Subscription).
  json appointment(const std::string& id, const std::string& status = "booked") {
    auto demo = peer_->read(FhirPeer::kDemoBookedAppointment);
    EXPECT_TRUE(demo.ok());
    json a = demo.ok() ? *demo : json::object();
    a["id"] = id;
    a["status"] = status;
    a.erase("meta");
    return a;
  }
  void store(const json& resource) {
    auto stored = peer_->seed({}, json::array({resource}));
    ASSERT_TRUE(stored.ok()) << stored.error().message;
  }

  std::vector<json> consultations(const HubApiClient& api) const {
    ApiAnswer list = api.get("/v1/consultations");
    EXPECT_EQ(list.status, 200) << list.body;
    std::vector<json> out;
    if (list.json.is_object()) {
      for (const auto& c : list.json["items"]) out.push_back(c);
    }
    return out;
  }
  std::vector<json> of_appointment(const std::string& ref) const {
    std::vector<json> out;
    for (const auto& c : consultations(*api_)) {
      if (c.value("appointment_ref", "") == ref) out.push_back(c);
    }
    return out;
  }
  std::vector<json> unmatched(const std::string& state = "unmatched") const {
    ApiAnswer list = api_->get("/v1/webhooks/unmatched?state=" + state);
    EXPECT_EQ(list.status, 200) << list.body;
    std::vector<json> out;
    if (list.json.is_object()) {
      for (const auto& c : list.json["items"]) out.push_back(c);
    }
    return out;
  }
  // What the peer's notifications met (a failed delivery is not resent).
  std::string deliveries() const {
    auto sent = peer_->notifications();
    return sent.ok() ? json(*sent).dump() : sent.error().message;
  }
  // Polls `done` every 50 ms for at most `deadline`.
  static bool eventually(const std::function<bool()>& done, milliseconds deadline = 20000ms) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return done();
  }
  // Waits until the peer has had `n` notifications answered by the hub.
  bool notified(std::size_t n) {
    return eventually([&] {
      auto records = peer_->notifications();
      if (!records.ok()) return false;
      std::size_t answered = 0;
      for (const auto& r : *records) {
        if (r["item"].contains("status")) ++answered;
      }
      return answered >= n;
    });
  }
  std::string status_of(const std::string& id) const {
    return api_->get("/v1/consultations/" + id).json.value("status", "");
  }

  TempDir dir_;
  std::unique_ptr<FhirPeer> peer_;
  std::unique_ptr<HubProcess> hub_;
  int port_ = 0;
  std::unique_ptr<HubApiClient> api_;
  std::unique_ptr<HubApiClient> auditor_;
  std::unique_ptr<HubApiClient> other_;
};

TEST_P(FhirBookingTest, ABookedAppointmentStartsOneConsultationAndItsCancellationCancelsIt) {
  json booked = appointment("visit-1");
  store(booked);
  std::string id;
  ASSERT_TRUE(eventually([&] {
    auto found = of_appointment("Appointment/visit-1");
    if (found.size() == 1) id = found[0].value("id", "");
    return !id.empty();
  })) << hub_->log();
  ASSERT_TRUE(eventually([&] { return status_of(id) == "waiting_room"; }))
      << api_->get("/v1/consultations/" + id + "/timeline").body;
  ApiAnswer read = api_->get("/v1/consultations/" + id);
  EXPECT_EQ(read.json["workflow_name"], "ehr_visit");
  EXPECT_EQ(read.json["patient"]["reference"], "Patient/fatimah-alzahrani");
  EXPECT_EQ(read.json["practitioner"]["reference"], "Practitioner/khalid-alharbi");
  // The other facility, which does not bind the instance, sees none of it.
  EXPECT_TRUE(consultations(*other_).empty());
  EXPECT_EQ(other_->get("/v1/consultations/" + id).status, 404);

  // The same notification again (a redelivery), and a new version still
  // booked (the EHR edited something else): nothing starts twice.
  ASSERT_TRUE(peer_->notify("wasl", "Appointment/visit-1").ok());
  booked["comment"] = "room 4";
  store(booked);
  ASSERT_TRUE(notified(3));
  ASSERT_TRUE(eventually([&] {
    ApiAnswer dispatched = api_->get("/metrics");
    return dispatched.body.find("wasl_webhook_dispatch_total{outcome=\"dispatched\"} 2") !=
           std::string::npos;
  })) << api_->get("/metrics").body;
  EXPECT_EQ(of_appointment("Appointment/visit-1").size(), 1u);
  EXPECT_TRUE(unmatched().empty());

  // Cancelled in the EHR: the consultation is cancelled and its run ends.
  booked["status"] = "cancelled";
  store(booked);
  ASSERT_TRUE(eventually([&] { return status_of(id) == "cancelled"; })) << hub_->log();
  ASSERT_TRUE(eventually([&] {
    return api_->get("/v1/consultations/" + id + "/timeline").json.value("status", "") ==
           "cancelled";
  })) << api_->get("/v1/consultations/" + id + "/timeline").body;
  ApiAnswer audit = auditor_->get("/v1/audit?entity_id=" + id);
  ASSERT_EQ(audit.status, 200) << audit.body;
  std::set<std::string> actions;
  for (const auto& e : audit.json["items"]) {
    const std::string action = e.value("action", "");
    if (action != "consultation.create" && action != "consultation.cancel") continue;
    actions.insert(action);
    EXPECT_EQ(e.value("actor", ""), "plugin:ehr.fhir") << e.dump();
  }
  EXPECT_TRUE(actions.count("consultation.create") == 1 &&
              actions.count("consultation.cancel") == 1)
      << audit.body;
  EXPECT_EQ(of_appointment("Appointment/visit-1").size(), 1u);
}

TEST_P(FhirBookingTest, AnAppointmentTheEhrDoesNotServeIsKeptUnmatchedAndReplayable) {
  // Announced but not on the server: nothing starts, the row is listed.
  json ghost = appointment("ghost-1");
  ASSERT_TRUE(peer_->notify("wasl", ghost).ok());
  std::vector<json> rows;
  ASSERT_TRUE(eventually([&] {
    rows = unmatched();
    return rows.size() == 1;
  })) << hub_->log();
  EXPECT_EQ(rows[0]["correlation"], "Appointment/ghost-1");
  EXPECT_TRUE(of_appointment("Appointment/ghost-1").empty());
  // A cancellation of an appointment nobody booked is kept the same way.
  json never = appointment("never-booked", "cancelled");
  ASSERT_TRUE(peer_->notify("wasl", never).ok());
  ASSERT_TRUE(eventually([&] { return unmatched().size() == 2; })) << deliveries() << "\n"
                                                                   << hub_->log();

  // The EHR now holds it (its own notification dropped): a replay books it.
  ASSERT_TRUE(peer_->fault(json{{"operation", "notify"}, {"drop", true}}).ok());
  store(ghost);
  ApiAnswer replayed =
      api_->post("/v1/webhooks/unmatched/" + rows[0].value("id", "") + "/replay", json::object());
  ASSERT_EQ(replayed.status, 202) << replayed.body;
  ASSERT_TRUE(eventually([&] { return of_appointment("Appointment/ghost-1").size() == 1; }))
      << hub_->log();
  EXPECT_EQ(unmatched().size(), 1u);
}

TEST_P(FhirBookingTest, AWrongSecretIs401AuditedAndAMalformedBundle400AndNeitherStoresAnything) {
  const std::string bundle = json{{"resourceType", "Bundle"},
                                  {"type", "history"},
                                  {"entry", json::array({{{"resource", appointment("forged-1")}}})}}
                                 .dump();
  Posted wrong = post_webhook(port_, bundle, "not-the-secret");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.content_type, "application/problem+json");
  Posted missing = post_webhook(port_, bundle, "");
  EXPECT_EQ(missing.status, 401);

  Posted malformed =
      post_webhook(port_, R"({"resourceType":"Bundle","entry":[{"nope":1}]})", kSecret);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.content_type, "application/problem+json");
  EXPECT_EQ(malformed.body.value("status", 0), 400) << malformed.body.dump();
  Posted not_json = post_webhook(port_, "{\"resourceType\": \"Bund", kSecret);
  EXPECT_EQ(not_json.status, 400);

  ApiAnswer audit = auditor_->get("/v1/audit?action=webhook.rejected");
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_GE(audit.json["items"].size(), 2u) << audit.body;

  // The right secret with the same bundle is taken (the appointment is not
  // on the server: kept unmatched), so the earlier ones were refused for
  // their secret alone; before it, nothing at all was stored or started.
  EXPECT_TRUE(unmatched().empty());
  EXPECT_TRUE(unmatched("parked").empty());
  EXPECT_TRUE(consultations(*api_).empty());
  Posted right = post_webhook(port_, bundle, kSecret);
  EXPECT_EQ(right.status, 202) << right.body.dump();
  ASSERT_TRUE(eventually([&] { return unmatched().size() == 1; }));
  EXPECT_TRUE(consultations(*api_).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, FhirBookingTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Postgres" : "Sqlite";
                         });

}  // namespace
}  // namespace wasl::testing
