// A hospital system that speaks HL7 v2 only books, moves and cancels
// consultations: a real `wasl serve` with the hl7v2 plugin as facility
// hospital-a's ehr, its MLLP listener on a free loopback port, and the HL7 v2
// peer (tests/peers/hl7v2, on @medplum/hl7) sending SIU and ADT messages and
// receiving the hub's MDM messages. No POST /v1/consultations anywhere.
//
// The workflow reads what the feed delivered (appointment, patient,
// coverage), then writes the encounter and a document back (two MDM^T02). The peer checks every ACK
// (MSA-2 = the MSH-10 it sent) and every MDM's structure.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <regex>
#include <thread>
#include <vector>

#include "tests/integration/consultation/hub_api_client.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "tests/sanitizers/sanitizers.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// The HIS's booking: read what the feed delivered, then write the visit
// back. It never sets a status, so the consultation stays scheduled and a
// move the HIS sends later is taken.
constexpr const char* kWorkflow = R"(name: his_visit
version: 1
trigger:
  kind: api
steps:
  - id: appointment
    call: ehr.read_appointment
    with:
      id: ${trigger.appointment_id}
  - id: patient
    call: ehr.read_patient
    with:
      id: ${steps.appointment.output.patient_id}
  - id: coverage
    call: ehr.read_coverage
    with:
      patient_id: ${steps.appointment.output.patient_id}
    on_failure: continue
  - id: encounter
    call: ehr.create_encounter
    with:
      appointment_id: ${steps.appointment.output.id}
      patient_id: ${steps.appointment.output.patient_id}
      practitioner_id: ${steps.appointment.output.practitioner_id}
      start_ms: ${steps.appointment.output.start_ms}
      end_ms: ${steps.appointment.output.end_ms}
  - id: document
    call: ehr.attach_document
    with:
      patient_id: ${steps.appointment.output.patient_id}
      encounter_id: ${steps.encounter.output.id}
      title: Consultation recording
      content_type: video/mp4
      url: https://hub.example/v1/recordings/rec-1/content
      size_bytes: 1048576
      sha256_hex: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
)";

constexpr const char* kArabicGiven = "محمد";
constexpr const char* kArabicFamily = "الشمري";

std::string yaml_quoted(const std::string& text) { return json(text).dump(); }

// Polls `done` every 50 ms for at most `deadline`.
bool eventually(const std::function<bool()>& done, milliseconds deadline = 20000ms) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

class Hl7v2BookingTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    PeerOptions options;
    options.args = {"--control-port", "0", "--ack-timeout-ms", "10000"};
    auto peer = PeerProcess::start("hl7v2", options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(*peer);

    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    std::filesystem::create_directories(dir_.file("workflows"));
    dir_.write("workflows/his_visit.yaml", kWorkflow);
    if (GetParam()) {
      storage_ = "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: " +
                 yaml_quoted(fresh_postgres_schema(postgres_test_url())) + "\n";
    } else {
      storage_ = "storage:\n  backend: sqlite\n  migrate_on_start: true\n  sqlite:\n    path: " +
                 yaml_quoted(dir_.file("wasl.db")) + "\n";
    }
    start_hub(0);
    ASSERT_FALSE(HasFatalFailure());
    keys_ = {key("hospital-a", "admin"), key("hospital-a", "integrator"),
             key("hospital-a", "auditor"), key("hospital-b", "admin")};
    connect_clients();
  }

  void TearDown() override {
    if (hub_) {
      hub_->signal(SIGTERM);
      hub_->wait_for_exit(30000ms);
    }
  }

  // Writes the config with the MLLP listener on `mllp_port` (0: any free
  // one), starts the hub and points the peer at its listener.
  void start_hub(int mllp_port) {
    const json settings = {
        {"receiving_application", "WASL"},
        {"receiving_facility", "WASL_HUB"},
        {"outbound", {{"host", "127.0.0.1"}, {"port", peer_->port()}, {"timeout_ms", 5000}}}};
    dir_.write("wasl.yaml",
               "server:\n  host: 127.0.0.1\n  port: 0\n" + storage_ +
                   "security:\n  key_file: " + yaml_quoted(dir_.file("keys.json")) +
                   "\nworkflow:\n  workers: 2\n  poll_interval: 50ms\n"
                   "plugins:\n  files:\n    - name: hl7v2\n      file: " +
                   yaml_quoted(WASL_HL7V2_PLUGIN_FILE) +
                   "\ninstances:\n  ehr.his:\n    plugin: hl7v2\n    settings: " + settings.dump() +
                   "\n    mllp:\n      port: " + std::to_string(mllp_port) +
                   "\n      max_message_bytes: 1MiB\n      read_timeout: 5s\n" + mllp_limits() +
                   "facilities:\n  hospital-a:\n    name: Hospital A\n"
                   "    bindings:\n      ehr: ehr.his\n"
                   "    ehr_bookings:\n      workflow: his_visit\n"
                   "  hospital-b:\n    name: Hospital B\n"
                   "workflows_dir: " +
                   yaml_quoted(dir_.file("workflows")) + "\n");
    hub_ = std::make_unique<HubProcess>(dir_.file("wasl.yaml"));
    auto port = hub_->wait_until_listening(60000ms);
    ASSERT_TRUE(port.has_value()) << hub_->log();
    port_ = *port;
    // The MLLP listener's port, from its start-up line (the hub reads its
    // output on its own thread: the line may lag the HTTP port).
    static const std::regex kListening("MLLP listener for ehr\\.his on 127\\.0\\.0\\.1:([0-9]+)");
    ASSERT_TRUE(eventually(
        [&] {
          std::smatch match;
          const std::string log = hub_->log();
          if (!std::regex_search(log, match, kListening)) return false;
          mllp_port_ = std::stoi(match[1].str());
          return true;
        },
        10000ms))
        << hub_->log();
    auto configured =
        peer_->post("/_peer/config", {{"hub_host", "127.0.0.1"}, {"hub_port", mllp_port_}});
    ASSERT_TRUE(configured.ok()) << configured.error().message;
  }

  // API clients on the hub's current HTTP port (it changes with a restart).
  void connect_clients() {
    api_ = std::make_unique<HubApiClient>(port_, keys_[0]);
    integrator_ = std::make_unique<HubApiClient>(port_, keys_[1]);
    auditor_ = std::make_unique<HubApiClient>(port_, keys_[2]);
    other_ = std::make_unique<HubApiClient>(port_, keys_[3]);
  }

  // More of instances.ehr.his.mllp, as YAML lines.
  virtual std::string mllp_limits() const { return ""; }

  std::string key(const std::string& facility, const std::string& role) {
    CommandResult made = run_wasl({"apikeys", "create", "--facility", facility, "--role", role,
                                   "--label", "hl7v2 test", "--config", dir_.file("wasl.yaml")});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return made.out.substr(0, made.out.find('\n'));
  }

  // One message from the HIS; the peer's send report.
  json send(const std::string& type, json fields, const json& extra = json::object()) {
    json body = extra;
    body["type"] = type;
    body["fields"] = std::move(fields);
    auto sent = peer_->post("/_peer/send", body);
    EXPECT_TRUE(sent.ok()) << (sent.ok() ? "" : sent.error().message);
    return sent.ok() ? *sent : json::object();
  }

  std::vector<json> of_appointment(const HubApiClient& api, const std::string& ref) const {
    ApiAnswer list = api.get("/v1/consultations");
    EXPECT_EQ(list.status, 200) << list.body;
    std::vector<json> out;
    if (!list.json.is_object()) return out;
    for (const auto& c : list.json["items"]) {
      if (c.value("appointment_ref", "") == ref) out.push_back(c);
    }
    return out;
  }
  std::string booked(const std::string& ref) {
    std::string id;
    eventually([&] {
      auto found = of_appointment(*api_, ref);
      if (found.size() == 1) id = found[0].value("id", "");
      return !id.empty();
    });
    return id;
  }
  json consultation(const std::string& id) const {
    return api_->get("/v1/consultations/" + id).json;
  }
  // The reason of the consultation's cancellation, from its audit event.
  std::string cancel_reason(const std::string& id) const {
    ApiAnswer audit = auditor_->get("/v1/audit?entity_id=" + id);
    EXPECT_EQ(audit.status, 200) << audit.body;
    for (const auto& e : audit.json["items"]) {
      if (e.value("action", "") != "consultation.cancel") continue;
      EXPECT_EQ(e.value("actor", ""), "plugin:ehr.his") << e.dump();
      json detail = e["detail"].is_string() ? json::parse(e.value("detail", "{}"), nullptr, false)
                                            : e["detail"];
      return detail.is_object() ? detail.value("reason", "") : "";
    }
    return "";
  }
  std::vector<json> received_mdm() const {
    auto received = peer_->get("/_peer/received");
    std::vector<json> out;
    if (!received.ok()) return out;
    for (const auto& m : (*received)["messages"]) out.push_back(m);
    return out;
  }

  TempDir dir_;
  std::string storage_;
  std::unique_ptr<PeerProcess> peer_;
  std::unique_ptr<HubProcess> hub_;
  int port_ = 0;
  int mllp_port_ = 0;
  std::vector<std::string> keys_;
  std::unique_ptr<HubApiClient> api_;
  std::unique_ptr<HubApiClient> integrator_;
  std::unique_ptr<HubApiClient> auditor_;
  std::unique_ptr<HubApiClient> other_;
};

// The listener under load; one store is enough, the bound is the listener's.
// Every connection of this one client is let in, so all of them trickle.
class Hl7v2ListenerLoadTest : public Hl7v2BookingTest {
 protected:
  std::string mllp_limits() const override {
    return "      max_connections: 2000\n      max_connections_per_peer: 2000\n";
  }
};

TEST_P(Hl7v2BookingTest, AnSiuBooksTheConsultationAMoveMovesItAndTheVisitGoesBackAsMdm) {
  // The patient and her coverage first (ADT^A04), her name in ISO 8859-6.
  json registered = send("ADT^A04",
                         {{"mrn", "MRN-0001"},
                          {"given", kArabicGiven},
                          {"family", kArabicFamily},
                          {"coverage",
                           {{"payer_id", "N-I-00001"},
                            {"member_id", "MEM-778899"},
                            {"policy_number", "POL-1"},
                            {"plan_id", "GOLD"}}}},
                         {{"charset", "ISO-8859-6"}});
  ASSERT_EQ(registered.value("ack_code", ""), "AA") << registered.dump();
  EXPECT_TRUE(registered.value("msa2_matches", false)) << registered.dump();

  json first = send(
      "SIU^S12",
      {{"appointment_id", "APT-1"}, {"mrn", "MRN-0001"}, {"start", "2031-03-01T09:30:00+03:00"}});
  ASSERT_EQ(first.value("ack_code", ""), "AA") << first.dump();
  const std::string id = booked("Appointment/APT-1");
  ASSERT_FALSE(id.empty()) << hub_->log();
  json c = consultation(id);
  EXPECT_EQ(c["workflow_name"], "his_visit");
  EXPECT_EQ(c["status"], "scheduled");
  EXPECT_EQ(c.value("scheduled_at", ""), "2031-03-01T06:30:00.000Z") << c.dump();
  // The other facility, which does not bind the instance, sees none of it.
  EXPECT_TRUE(of_appointment(*other_, "Appointment/APT-1").empty());
  EXPECT_EQ(other_->get("/v1/consultations/" + id).status, 404);

  // The Arabic name reached the run byte-correct in UTF-8, for a role that
  // reads PHI; an integrator's timeline shows it masked.
  ASSERT_TRUE(eventually([&] {
    return api_->get("/v1/consultations/" + id + "/timeline").body.find(kArabicFamily) !=
           std::string::npos;
  })) << api_->get("/v1/consultations/" + id + "/timeline").body;
  ApiAnswer masked = integrator_->get("/v1/consultations/" + id + "/timeline");
  EXPECT_EQ(masked.status, 200) << masked.body;
  EXPECT_EQ(masked.body.find(kArabicFamily), std::string::npos);

  // S13: the HIS moves it an hour later. The consultation, still scheduled,
  // takes the new start. The run wrote the visit back (two MDM^T02).
  json moved = send(
      "SIU^S13",
      {{"appointment_id", "APT-1"}, {"mrn", "MRN-0001"}, {"start", "2031-03-01T10:30:00+03:00"}});
  ASSERT_EQ(moved.value("ack_code", ""), "AA") << moved.dump();
  ASSERT_TRUE(eventually([&] {
    return consultation(id).value("scheduled_at", "") == "2031-03-01T07:30:00.000Z";
  })) << consultation(id).dump()
      << hub_->log();
  ASSERT_TRUE(eventually([&] { return received_mdm().size() >= 2; }))
      << api_->get("/v1/consultations/" + id + "/timeline").body;
  for (const auto& mdm : received_mdm()) {
    EXPECT_EQ(mdm.value("message_type", ""), "MDM^T02") << mdm.dump();
  }
  ASSERT_TRUE(eventually([&] {
    return api_->get("/v1/consultations/" + id + "/timeline").json.value("status", "") ==
           "succeeded";
  })) << api_->get("/v1/consultations/" + id + "/timeline").body;
  EXPECT_EQ(received_mdm().size(), 2u);
  EXPECT_EQ(of_appointment(*api_, "Appointment/APT-1").size(), 1u);
}

TEST_P(Hl7v2BookingTest, AnS15CancelsAndAnS26EndsTheConsultationAsANoShow) {
  ASSERT_EQ(send("ADT^A04", {{"mrn", "MRN-0002"}}).value("ack_code", ""), "AA");
  ASSERT_EQ(
      send("SIU^S12", {{"appointment_id", "APT-2"}, {"mrn", "MRN-0002"}}).value("ack_code", ""),
      "AA");
  ASSERT_EQ(
      send("SIU^S12", {{"appointment_id", "APT-3"}, {"mrn", "MRN-0002"}}).value("ack_code", ""),
      "AA");
  const std::string cancelled = booked("Appointment/APT-2");
  const std::string no_show = booked("Appointment/APT-3");
  ASSERT_FALSE(cancelled.empty() || no_show.empty()) << hub_->log();

  ASSERT_EQ(
      send("SIU^S15", {{"appointment_id", "APT-2"}, {"mrn", "MRN-0002"}}).value("ack_code", ""),
      "AA");
  ASSERT_EQ(
      send("SIU^S26", {{"appointment_id", "APT-3"}, {"mrn", "MRN-0002"}}).value("ack_code", ""),
      "AA");
  ASSERT_TRUE(eventually([&] {
    return consultation(cancelled).value("status", "") == "cancelled";
  })) << consultation(cancelled).dump()
      << hub_->log();
  ASSERT_TRUE(eventually([&] { return consultation(no_show).value("status", "") == "cancelled"; }))
      << consultation(no_show).dump();
  EXPECT_EQ(cancel_reason(cancelled), "appointment_cancelled");
  EXPECT_EQ(cancel_reason(no_show), "no_show");
}

TEST_P(Hl7v2BookingTest, ADuplicateAndAnAckLostToACrashStillMakeOneConsultation) {
  ASSERT_EQ(send("ADT^A04", {{"mrn", "MRN-0003"}}).value("ack_code", ""), "AA");
  // The same message twice (same MSH-10): the same ACK twice, one booking.
  json twice = send("SIU^S12", {{"appointment_id", "APT-4"}, {"mrn", "MRN-0003"}},
                    {{"fault", {{"kind", "duplicate"}, {"wait_ack", true}, {"reconnect", true}}}});
  ASSERT_EQ(twice.value("ack_code", ""), "AA") << twice.dump();
  ASSERT_EQ(twice["acks"].size(), 2u) << twice.dump();
  EXPECT_EQ(twice["acks"][1].value("ack_code", ""), "AA");
  EXPECT_EQ(twice["acks"][0].value("msa2", "x"), twice["acks"][1].value("msa2", "y"));

  // The HIS sends, the hub stores and commits, and the HIS never reads the
  // ACK; the hub is then killed (-9) and restarted on its database. The HIS
  // sends the same message again: acknowledged, and booked once.
  json dropped = send("SIU^S12", {{"appointment_id", "APT-5"}, {"mrn", "MRN-0003"}},
                      {{"fault", "drop"}, {"control_id", "HIS-APT-5-1"}});
  ASSERT_EQ(dropped.value("outcome", ""), "dropped") << dropped.dump();
  ASSERT_FALSE(booked("Appointment/APT-5").empty()) << hub_->log();
  hub_->signal(SIGKILL);
  hub_->wait_for_exit(10000ms);
  start_hub(mllp_port_);
  ASSERT_FALSE(HasFatalFailure());
  connect_clients();
  json again = send("SIU^S12", {{"appointment_id", "APT-5"}, {"mrn", "MRN-0003"}},
                    {{"control_id", "HIS-APT-5-1"}});
  ASSERT_EQ(again.value("ack_code", ""), "AA") << again.dump();

  ApiAnswer list = api_->get("/metrics");
  EXPECT_NE(
      list.body.find("wasl_feed_messages_total{instance=\"ehr.his\",outcome=\"duplicate\"} 1"),
      std::string::npos)
      << list.body;
  EXPECT_EQ(of_appointment(*api_, "Appointment/APT-4").size(), 1u);
  EXPECT_EQ(of_appointment(*api_, "Appointment/APT-5").size(), 1u);
}

TEST_P(Hl7v2BookingTest, FragmentsAStallAWindows1256NameAndAnOversizeMessageAreEachHandled) {
  // In four TCP writes 50 ms apart: one message, acknowledged once.
  json fragmented = send("ADT^A04", {{"mrn", "MRN-0004"}, {"given", "عبدالله"}},
                         {{"charset", "WINDOWS-1256"},
                          {"fault", {{"kind", "fragments"}, {"pieces", 4}, {"delay_ms", 50}}}});
  ASSERT_EQ(fragmented.value("ack_code", ""), "AA") << fragmented.dump();
  // Half a message, then silence past the listener's read deadline (5 s
  // here): closed, nothing stored, nothing booked.
  json stalled = send("SIU^S12", {{"appointment_id", "APT-7"}, {"mrn", "MRN-0004"}},
                      {{"fault", {{"kind", "stall"}, {"stall_ms", 6000}, {"then", "finish"}}},
                       {"ack_timeout_ms", 2000}});
  // No acknowledgement at all (ack_code null): the hub closed the connection.
  EXPECT_TRUE(stalled["ack_code"].is_null()) << stalled.dump();
  EXPECT_NE(stalled.value("outcome", ""), "acked") << stalled.dump();
  // 2 MiB: refused with AR, and the connection closed.
  json big = send("SIU^S12", {{"appointment_id", "APT-6"}},
                  {{"fault", {{"kind", "oversize"}, {"bytes", 2 * 1024 * 1024}}}});
  EXPECT_EQ(big.value("ack_code", ""), "AR") << big.dump();
  // The next sender is served as before, and the windows-1256 name reached
  // the hub's reads in UTF-8.
  json booking =
      send("SIU^S12", {{"appointment_id", "APT-8"}, {"mrn", "MRN-0004"}, {"given", "عبدالله"}},
           {{"charset", "WINDOWS-1256"}});
  ASSERT_EQ(booking.value("ack_code", ""), "AA") << booking.dump();
  const std::string id = booked("Appointment/APT-8");
  ASSERT_FALSE(id.empty()) << hub_->log();
  EXPECT_TRUE(eventually([&] {
    return api_->get("/v1/consultations/" + id + "/timeline").body.find("عبدالله") !=
           std::string::npos;
  })) << api_->get("/v1/consultations/" + id + "/timeline").body;
  EXPECT_TRUE(of_appointment(*api_, "Appointment/APT-6").empty());
  EXPECT_TRUE(of_appointment(*api_, "Appointment/APT-7").empty());
}

// 1,000 connections trickling bytes into the MLLP listener: the HTTP API
// and another MLLP sender are served as before (p99 of a probe within
// 100 ms).
TEST_P(Hl7v2ListenerLoadTest, AThousandTricklingConnectionsDoNotSlowTheApiOrAnotherSender) {
  std::vector<int> sockets;
  for (int i = 0; i < 1000; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(mllp_port_));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd);
      continue;
    }
    sockets.push_back(fd);
  }
  // Each starts a message and never ends it: a byte now and then.
  auto trickle = [&] {
    for (int fd : sockets) {
      const char start = 0x0B;
      (void)!::send(fd, &start, 1, MSG_NOSIGNAL);
    }
  };
  trickle();
  std::vector<double> http_ms;
  for (int i = 0; i < 100; ++i) {
    auto started = std::chrono::steady_clock::now();
    HttpAnswer health = http_get(port_, "/healthz");
    http_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
    EXPECT_EQ(health.status, 200);
    if (i % 10 == 0) {
      for (int fd : sockets) (void)!::send(fd, "M", 1, MSG_NOSIGNAL);
    }
  }
  json probe = send("ADT^A08", {{"mrn", "MRN-0005"}});
  EXPECT_EQ(probe.value("ack_code", ""), "AA") << probe.dump();
  for (int fd : sockets) ::close(fd);
  std::sort(http_ms.begin(), http_ms.end());
  const double p99 = http_ms[http_ms.size() * 99 / 100];
  std::printf("1000 trickling MLLP connections (%zu opened): /healthz p50 %.2f ms, p99 %.2f ms\n",
              sockets.size(), http_ms[http_ms.size() / 2], p99);
  // ThreadSanitizer slows the hub several times over (its p99 there was
  // 259 ms): under it, only a stall of a second or more fails.
  EXPECT_LT(p99, kThreadSanitizer ? 1000.0 : 100.0);
}

INSTANTIATE_TEST_SUITE_P(Backends, Hl7v2BookingTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Postgres" : "Sqlite";
                         });
INSTANTIATE_TEST_SUITE_P(Sqlite, Hl7v2ListenerLoadTest, ::testing::Values(false));

}  // namespace
}  // namespace wasl::testing
