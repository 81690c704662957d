#include "tests/integration/consultation/janus_side.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using plugins::janus::testing::JanusServer;
using plugins::janus::testing::JoinOutcome;
using plugins::janus::testing::ParticipantSession;

const std::string kScript = std::string(WASL_SOURCE_DIR) + "/scripts/test-janus";

// Runs scripts/test-janus with `args` (no shell words in them but paths and
// URLs the test made); its output goes to `log`. Whether it exited 0.
bool run_script(const std::string& args, const std::string& log) {
  const std::string command = "'" + kScript + "' " + args + " >>'" + log + "' 2>&1";
  return std::system(command.c_str()) == 0;  // NOLINT(cert-env33-c): a test's own script
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts the Chromium publisher and has it join with `join` (the hub's
// answer) and publish; waits (bounded) until its media flows. Failures are
// test failures.
bool publish(JanusPublisher& publisher, const json& join) {
  auto started = PeerProcess::start("../janus_browser");
  if (!started.ok()) {
    ADD_FAILURE() << "the Chromium publisher did not start: " << started.error().message;
    return false;
  }
  publisher.peer = std::move(*started);
  const json provider = join.value("provider", json::object());
  auto posted = publisher.peer->post("/publish", {{"api", provider.value("api_url", "")},
                                                  {"room", provider.value("room", 0ULL)},
                                                  {"token", join.value("token", "")},
                                                  {"feed", provider.value("feed_id", 0ULL)},
                                                  {"seconds", publisher.seconds}});
  if (!posted.ok()) {
    ADD_FAILURE() << "the publisher refused to publish: " << posted.error().message;
    return false;
  }
  // Chromium starts, janus.js joins and negotiates: within 90 s on a busy machine.
  const auto until = std::chrono::steady_clock::now() + 90s;
  json status;
  while (std::chrono::steady_clock::now() < until) {
    auto got = publisher.peer->get("/status");
    if (got.ok()) status = *got;
    if (status.value("up", false) || status.value("state", "") != "publishing") break;
    std::this_thread::sleep_for(200ms);
  }
  if (!status.value("up", false)) {
    ADD_FAILURE() << "the doctor's media did not flow: " << status.dump()
                  << " (publisher log: " << publisher.peer->log_file() << ")";
    return false;
  }
  return true;
}

}  // namespace

json wait_for_publication(const JanusPublisher& publisher, std::chrono::milliseconds deadline) {
  json status;
  if (!publisher.peer) return status;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    auto got = publisher.peer->get("/status");
    if (got.ok()) status = *got;
    if (status.value("state", "") != "publishing") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return status;
}

std::string janus_events_url(int port) {
  return "http://127.0.0.1:" + std::to_string(port) + "/v1/webhooks/" + JanusSide::kInstance;
}

std::unique_ptr<JanusSide> JanusSide::start(const std::string& events_url) {
  std::unique_ptr<JanusSide> side(new JanusSide());
  // JanusServer::from_fixture reads <dir>/test-janus/endpoints.
  const std::string janus_dir = side->dir_.file("test-janus");
  const std::string log = side->dir_.file("test-janus.log");
  if (!run_script("start '" + janus_dir + "' '" + events_url + "'", log)) {
    ADD_FAILURE() << "scripts/test-janus start failed:\n" << read_file(log);
    return nullptr;
  }
  try {
    side->server_ = JanusServer::from_fixture(side->dir_.path());
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return nullptr;
  }
  return side;
}

JanusSide::~JanusSide() {
  (void)run_script("stop '" + dir_.file("test-janus") + "'", dir_.file("test-janus.log"));
}

VideoBinding JanusSide::binding() const {
  VideoBinding video;
  video.plugin = "janus";
  video.file = WASL_JANUS_PLUGIN_FILE;
  video.instance = kInstance;
  video.settings = {
      {"api_url", server_.api_url},
      {"admin_url", server_.admin_url},
      {"admin_secret", server_.admin_secret},
      {"room_admin_key", server_.room_admin_key},
      {"recording_root", server_.recordings},
      {"events", {{"user", server_.events_user}, {"password", server_.events_password}}}};
  return video;
}

bool JanusSide::restart() {
  const std::string log = dir_.file("test-janus.log");
  if (!run_script("restart '" + dir_.file("test-janus") + "'", log)) {
    ADD_FAILURE() << "scripts/test-janus restart failed:\n" << read_file(log);
    return false;
  }
  return true;
}

int JanusSide::pid() const {
  std::istringstream lines(read_file(dir_.file("test-janus/endpoints")));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("pid=", 0) == 0) return std::atoi(line.c_str() + 4);
  }
  return -1;
}

std::vector<std::uint64_t> JanusSide::rooms() {
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = server_.admin_url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json{{"janus", "message_plugin"},
                      {"transaction", "rooms"},
                      {"admin_secret", server_.admin_secret},
                      {"plugin", "janus.plugin.videoroom"},
                      {"request", {{"request", "list"}, {"admin_key", server_.room_admin_key}}}}
                     .dump();
  std::vector<std::uint64_t> out;
  auto answer = client_.http(request);
  if (!answer.ok()) {
    ADD_FAILURE() << "Janus's admin API: " << answer.error().message;
    return out;
  }
  json body = json::parse(answer->body, nullptr, false);
  const json* list = body.is_object() ? &body["response"]["list"] : nullptr;
  if (list == nullptr || !list->is_array()) {
    ADD_FAILURE() << "Janus's room list: " << answer->body;
    return out;
  }
  for (const auto& room : *list) out.push_back(room.value("room", std::uint64_t{0}));
  return out;
}

JoinOutcome join_room(sdk::Host& client, const json& join,
                      std::unique_ptr<ParticipantSession>& session) {
  const json provider = join.value("provider", json::object());
  session = std::make_unique<ParticipantSession>(client, provider.value("api_url", std::string()),
                                                 join.value("token", std::string()));
  return session->join(provider.value("room", std::uint64_t{0}),
                       provider.value("feed_id", std::uint64_t{0}));
}

JanusRoom admit_and_join(ConsultationHub& hub, JanusSide& janus, const std::string& id,
                         JanusPublisher* publisher) {
  JanusRoom out;
  const HubApiClient front_desk = hub.client("hospital");
  const HubApiClient clinician = hub.client("clinician");
  const std::string participants = "/v1/consultations/" + id + "/participants";

  ApiAnswer doctor = clinician.post(
      participants, {{"role", "doctor"}, {"display_name", "Dr Noura Test"}}, id + "/doctor");
  EXPECT_EQ(doctor.status, 201) << doctor.body;
  if (doctor.status != 201 || !doctor.json.contains("join")) {
    ADD_FAILURE() << "the doctor was not admitted with a join token: " << doctor.body;
    return out;
  }
  EXPECT_EQ(doctor.json["join"]["provider"]["admitted"], true) << doctor.body;
  out.room_id = doctor.json["join"].value("room_id", std::string());
  JanusParticipant d{doctor.json.value("id", std::string()), "doctor", doctor.json["join"],
                     nullptr};
  JoinOutcome joined;
  if (publisher != nullptr) {
    if (!publish(*publisher, d.join)) return out;
  } else {
    joined = join_room(janus.client(), d.join, d.session);
    EXPECT_EQ(joined.videoroom, "joined") << joined.core_error << " " << joined.videoroom_error;
  }
  out.joined.push_back(std::move(d));

  // The patient waits with a token Janus knows but the room refuses.
  ApiAnswer patient = front_desk.post(
      participants, {{"role", "patient"}, {"display_name", "سارة المريضة"}}, id + "/patient");
  EXPECT_EQ(patient.status, 201) << patient.body;
  EXPECT_EQ(patient.json.value("state", std::string()), "waiting") << patient.body;
  if (!patient.json.contains("join")) {
    ADD_FAILURE() << "the waiting patient got no held token: " << patient.body;
    return out;
  }
  EXPECT_EQ(patient.json["join"]["provider"]["admitted"], false) << patient.body;
  const std::string patient_id = patient.json.value("id", std::string());
  {
    std::unique_ptr<ParticipantSession> waiting;
    JoinOutcome refused = join_room(janus.client(), patient.json["join"], waiting);
    EXPECT_EQ(refused.videoroom_error, 433)
        << "Janus let the waiting patient in: " << refused.videoroom;
  }

  ApiAnswer admitted =
      clinician.post(participants + "/" + patient_id + "/admit", nlohmann::json::object());
  EXPECT_EQ(admitted.status, 200) << admitted.body;
  if (!admitted.json.contains("join")) {
    ADD_FAILURE() << "the admitted patient got no join token: " << admitted.body;
    return out;
  }
  EXPECT_EQ(admitted.json["join"]["token"], patient.json["join"]["token"]);
  EXPECT_EQ(admitted.json["join"].value("room_id", std::string()), out.room_id);
  // The page kept the token it had while waiting; it now opens the room.
  JanusParticipant p{patient_id, "patient", patient.json["join"], nullptr};
  joined = join_room(janus.client(), p.join, p.session);
  EXPECT_EQ(joined.videoroom, "joined") << joined.core_error << " " << joined.videoroom_error;
  out.joined.push_back(std::move(p));
  return out;
}

bool wait_for_joins(const ConsultationHub& hub, const HubApiClient& api, const std::string& id,
                    int joins, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    json timeline = json::parse(hub.timeline(api, id), nullptr, false);
    int seen = 0;
    if (timeline.is_object()) {
      for (const auto& entry : timeline.value("attendance", json::array())) {
        if (entry.value("mark", std::string()) == "join") ++seen;
      }
    }
    if (seen >= joins) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(100ms);
  }
}

}  // namespace wasl::testing
