// The whole consultation (workflows/consultation.yaml) on Janus, end to end:
// the real `wasl serve` with the shipped Janus plugin against a real Janus
// 1.1.2 of the test's own (scripts/test-janus), whose sampleevh handler posts
// the room's events to the hub's webhook; the FHIR, NPHIES and MOH plugins
// against their peers as in the other providers' tests. Participants join
// over Janus's HTTP API (or, to publish media, from Chromium) with the
// tokens the hub's API answered (the patient with the token she was given
// while waiting, refused by Janus until a clinician admits her):
//   - ForgedEventsAreRefusedAndDispatchNothing: a `joined` and a `destroyed`
//     event for the consultation's room, posted with a wrong, another
//     user's or no credential, are answered 401 and change nothing: the
//     run's timeline is the same, and once the real joins have arrived
//     (after the forged posts) it counts those two joins only and still
//     waits for the room's end;
//   - JanusRestartedMidRoomIsReconciled: Janus is killed and started again
//     on the same configuration while the run waits for the room's end;
//     the room is gone, the hub's session reconciliation delivers
//     room.ended and the run goes on;
//   - ARoomNobodyPublishedInCompletesWithoutARecording: both join and
//     publish nothing; the room ends; the composition is `failed` with
//     raw.no_media, the archive step archives nothing (no recordings row),
//     the run completes with its encounter and without a recording document;
//   - TheHubKilledWhileTheRoomRunsWaitsOn: the doctor publishes real media
//     from Chromium (tests/janus_browser), the patient joins over the API;
//     `kill -9` of the hub while the room runs; the restarted hub asks Janus
//     about the room over several passes and keeps waiting on the same room
//     (Janus holds one room, the consultation names the same one); when the
//     room ends the run goes on; the hub is killed again while a converter
//     (janus-pp-rec or ffmpeg, run by the hub) works: the converter dies with
//     it; the restarted hub converts again and completes: exactly one recording,
//     archived, one archive object, the decrypted content's SHA-256 its
//     plaintext_sha256, and the raw .mjr files and the WebM removed;
//   - TheClinicianEndsTheSession: the consultation's clinician ends the
//     session (POST /v1/consultations/{id}/end-session); Janus no longer
//     holds the room, and the room's end moves the run on to `ended` and
//     the recording, with no compensation: the normal path, not a cancel;
//   - AnEmptyRoomIsEndedByTheHub: Janus never ends a room by itself; with
//     the instance's empty_room_timeout at 500 ms, a room nobody has joined
//     stays open, a room one participant is still in stays open, and once
//     both have left the hub ends it through the plugin (Janus destroys it
//     and reports it), audited once, and the run goes on.
// The binary built with WASL_CONSULTATION_POSTGRES runs the kill -9,
// end-session and empty-room tests with the hub storing in PostgreSQL (the
// others are storage-neutral).
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/consultation/consultation_hub.hpp"
#include "tests/integration/consultation/janus_side.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json timeline_of(const ConsultationHub& hub, const HubApiClient& api, const std::string& id) {
  return json::parse(hub.timeline(api, id), nullptr, false);
}

// The status of the last attempt of `step` in the run's timeline; "" when
// the step has not been attempted.
std::string step_status(const json& timeline, const std::string& step) {
  std::string status;
  if (!timeline.is_object()) return status;
  for (const auto& a : timeline.value("attempts", json::array())) {
    if (a.value("step_id", std::string()) == step && !a.value("compensation", false)) {
      status = a.value("status", std::string());
    }
  }
  return status;
}

// Polls the timeline until `step`'s last attempt is `status` (bounded).
bool wait_for_step(const ConsultationHub& hub, const HubApiClient& api, const std::string& id,
                   const std::string& step, const std::string& status,
                   std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (step_status(timeline_of(hub, api, id), step) == status) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(100ms);
  }
}

int attendance_marks(const json& timeline, const std::string& mark) {
  int n = 0;
  if (!timeline.is_object()) return n;
  for (const auto& entry : timeline.value("attendance", json::array())) {
    if (entry.value("mark", std::string()) == mark) ++n;
  }
  return n;
}

// How many calls the hub made into `instance` (GET /v1/plugins/instances/
// {name}: its health window); -1 when it cannot be asked.
int instance_calls(const HubApiClient& admin, const std::string& instance) {
  ApiAnswer answer = admin.get("/v1/plugins/instances/" + instance);
  if (answer.status != 200 || !answer.json.is_object()) return -1;
  return answer.json["health"].value("calls", -1);
}

// How long the doctor publishes once her media flows: through the hub's kill,
// its restart and four reconciliation passes (a few seconds), then she leaves.
constexpr int kPublishSeconds = 8;

// Polls `condition` every 100 ms until it holds or `deadline` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// How many .mjr files `folder` holds (0 when it does not exist).
int mjr_files(const std::filesystem::path& folder) {
  int n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".mjr") ++n;
  }
  return n;
}

// /proc/<pid>/stat's command and parent; false when it cannot be read.
bool proc_stat(int pid, std::string& command, int& parent, char& state) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 4 >= text.size()) {
    return false;
  }
  command = text.substr(open + 1, close - open - 1);
  state = text[close + 2];
  parent = std::atoi(text.c_str() + close + 4);
  return true;
}

// Whether `pid` has ended (gone, or a zombie waiting for its reaper).
bool gone(int pid) {
  std::string command;
  int parent = 0;
  char state = 0;
  return !proc_stat(pid, command, parent, state) || state == 'Z' || state == 'X';
}

// Polls (every 10 ms, up to `deadline`) for a running janus-pp-rec or ffmpeg
// whose parent is `hub`; its pid, or -1.
int wait_for_converter(int hub, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string command;
      int parent = 0;
      char state = 0;
      const int pid = std::atoi(name.c_str());
      if (proc_stat(pid, command, parent, state) && parent == hub && state != 'Z' &&
          (command == "janus-pp-rec" || command == "ffmpeg")) {
        return pid;
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  return -1;
}

// The consultation's provider room as the hub records it.
std::string recorded_room(const HubApiClient& api, const std::string& id) {
  ApiAnswer c = api.get("/v1/consultations/" + id);
  return c.json.is_object() ? c.json.value("video_room_id", std::string()) : std::string();
}

#ifndef WASL_CONSULTATION_POSTGRES  // the forged-events test runs on SQLite only
// The sampleevh handler's body for a VideoRoom event (type 64) in `room`.
json videoroom_event(const std::string& event, std::uint64_t room, std::uint64_t feed) {
  const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  json data = {{"event", event}, {"room", room}};
  if (feed != 0) data["id"] = feed;
  return json::array({{{"emitter", "MyJanusInstance"},
                       {"type", 64},
                       {"timestamp", now_us},
                       {"session_id", 4242},
                       {"handle_id", 4343},
                       {"event", {{"plugin", "janus.plugin.videoroom"}, {"data", data}}}}});
}

// POSTs `body` to the hub's webhook as Janus's handler would, with
// `authorization` ("" sends none); the status (0 when no answer).
int post_event(JanusSide& janus, int port, const json& body, const std::string& authorization) {
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = janus_events_url(port);
  request.headers = {{"Content-Type", "application/json"}};
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  request.body = body.dump();
  auto answer = janus.client().http(request);
  return answer.ok() ? answer->status : 0;
}

std::string basic(const std::string& user, const std::string& password) {
  const std::string pair = user + ":" + password;
  return "Basic " + sdk::base64_encode(std::string_view(pair));
}
#endif

// A Janus of its own, and the hub on a port chosen before, so Janus's
// handler knows where to post.
class JanusConsultationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_loopback_port();
    janus_ = JanusSide::start(janus_events_url(port_));
    ASSERT_TRUE(janus_);
    ConsultationHubOptions options;
    options.port = port_;
    // The hub asks Janus about its open rooms four times a second: a pass
    // the tests wait for (a room Janus lost, the passes after a restart)
    // comes within a quarter second.
    options.reconcile_interval = "250ms";
#ifdef WASL_CONSULTATION_POSTGRES
    options.postgres_url = postgres_test_url();
#endif
    options.attendance_settle = attendance_settle();
    VideoBinding video = janus_->binding();
    video.empty_room_timeout = empty_room_timeout();
    hub_ = std::make_unique<ConsultationHub>(video, options);
    ASSERT_TRUE(hub_->start());
  }

  // Books a consultation and waits for its Janus room.
  std::string book(const std::string& appointment) {
    HubApiClient api = hub_->client("hospital");
    std::string id = hub_->book(api, appointment);
    EXPECT_FALSE(id.empty());
    if (id.empty()) return id;
    EXPECT_EQ(hub_->wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
        << hub_->timeline(api, id) << hub_->log();
    return id;
  }

  // Both participants in the room, their joins at the hub, the run waiting
  // for the room's end.
  JanusRoom hold_session(const std::string& id, JanusPublisher* publisher = nullptr) {
    HubApiClient api = hub_->client("hospital");
    JanusRoom room = admit_and_join(*hub_, *janus_, id, publisher);
    EXPECT_EQ(room.joined.size(), 2u);
    EXPECT_TRUE(wait_for_joins(*hub_, api, id, 2, 30s))
        << "Janus's join events did not reach the hub:\n"
        << hub_->timeline(api, id) << hub_->log();
    EXPECT_TRUE(wait_for_step(*hub_, api, id, "session_ended", "waiting", 30s))
        << hub_->timeline(api, id);
    return room;
  }

  // The room's end reached the run and it went on: the end was delivered
  // by reconciliation, the attendance step and the `ended` status ran.
  void expect_run_went_on(const std::string& id) {
    HubApiClient api = hub_->client("hospital");
    EXPECT_TRUE(wait_for_step(*hub_, api, id, "session_ended", "succeeded", 30s))
        << hub_->timeline(api, id) << hub_->log();
    EXPECT_TRUE(wait_for_step(*hub_, api, id, "ended", "succeeded", 30s))
        << hub_->timeline(api, id);
    EXPECT_NE(hub_->log().find("has ended at the provider; delivered room.ended"),
              std::string::npos)
        << "the end came from reconciliation:\n"
        << hub_->log();
    // The run matched one room.ended, the one reconciliation delivered.
    int ends = 0;
    for (const auto& e : timeline_of(*hub_, api, id).value("events", json::array())) {
      if (e.value("type", std::string()) == "room.ended") ++ends;
    }
    EXPECT_EQ(ends, 1) << hub_->timeline(api, id);
  }

  // instances.video.janus-main.empty_room_timeout; empty: the default (120s).
  virtual std::string empty_room_timeout() const { return {}; }
  // workflow.attendance_settle: how long hub.attendance waits for late
  // joins and leaves after the room's end.
  virtual std::string attendance_settle() const { return "3s"; }

  // The consultation's one recording: archived, its plaintext SHA-256 that
  // of the content the hub decrypts, a WebM; one object in the archive.
  void expect_archived_once(const std::string& id) {
    HubApiClient api = hub_->client("hospital");
    ApiAnswer list = api.get("/v1/consultations/" + id + "/recordings");
    ASSERT_EQ(list.status, 200) << list.body;
    ASSERT_EQ(list.json["items"].size(), 1u) << list.body;
    const json recording = list.json["items"][0];
    EXPECT_EQ(recording.value("state", ""), "archived") << recording.dump();
    ApiAnswer content =
        api.get("/v1/recordings/" + recording.value("id", std::string()) + "/content");
    ASSERT_EQ(content.status, 200) << content.body.substr(0, 300);
    EXPECT_GT(content.body.size(), 1000u);
    EXPECT_EQ(sha256_hex(content.body), recording.value("plaintext_sha256", ""))
        << recording.dump();
    EXPECT_EQ(content.body.substr(0, 4), std::string("\x1a\x45\xdf\xa3", 4))
        << "a WebM (EBML) file";
    // Objects as the local store lists them: its unfinished writes
    // ("<key>.tmp-<16 hex>", one left by the hub killed mid-archive) are not.
    static const std::regex kUnfinished(R"(.*\.tmp-[0-9a-f]{16}$)");
    int objects = 0;
    std::string names;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(hub_->dir().file("recordings"))) {
      if (!entry.is_regular_file()) continue;
      names += " " + entry.path().filename().string();
      if (!std::regex_match(entry.path().filename().string(), kUnfinished)) ++objects;
    }
    EXPECT_EQ(objects, 1) << "one archive object:" << names;
  }

  int port_ = 0;
  std::unique_ptr<JanusSide> janus_;
  std::unique_ptr<ConsultationHub> hub_;
};

#ifndef WASL_CONSULTATION_POSTGRES
TEST_F(JanusConsultationTest, ForgedEventsAreRefusedAndDispatchNothing) {
  const std::string id = book("appt-janus-forged");
  ASSERT_FALSE(id.empty());
  HubApiClient api = hub_->client("hospital");
  const std::string room = recorded_room(api, id);
  ASSERT_FALSE(room.empty());
  const auto room_number = static_cast<std::uint64_t>(std::stoull(room));
  // The run rests waiting for the patient: nothing else moves its timeline.
  ASSERT_TRUE(wait_for_step(*hub_, api, id, "arrival", "waiting", 30s)) << hub_->timeline(api, id);
  const json before = timeline_of(*hub_, api, id);
  ASSERT_TRUE(before.is_object());

  const plugins::janus::testing::JanusServer& s = janus_->server();
  const std::vector<std::string> forged = {
      "",                                             // no credential
      basic(s.events_user, s.events_password + "x"),  // a wrong password
      basic("someone-else", s.events_password),       // another user
      "Bearer " + s.events_password,                  // another scheme
  };
  for (const std::string& authorization : forged) {
    SCOPED_TRACE(authorization.substr(0, 6));
    EXPECT_EQ(post_event(*janus_, port_, videoroom_event("joined", room_number, 77), authorization),
              401);
    EXPECT_EQ(
        post_event(*janus_, port_, videoroom_event("destroyed", room_number, 0), authorization),
        401);
  }
  const json after = timeline_of(*hub_, api, id);
  EXPECT_EQ(after.value("attempts", json::array()), before.value("attempts", json::array()));
  EXPECT_EQ(after.value("events", json::array()), before.value("events", json::array()));
  EXPECT_EQ(after.value("attendance", json::array()), before.value("attendance", json::array()));

  // The real joins, posted by Janus after the forged ones, arrive and are
  // the only ones; the forged end ended nothing.
  JanusRoom session = hold_session(id);
  const json held = timeline_of(*hub_, api, id);
  EXPECT_EQ(attendance_marks(held, "join"), 2) << held.dump();
  EXPECT_EQ(attendance_marks(held, "room_end"), 0) << held.dump();
  EXPECT_EQ(step_status(held, "session_ended"), "waiting") << held.dump();
  EXPECT_EQ(janus_->rooms(), std::vector<std::uint64_t>{room_number});
}

TEST_F(JanusConsultationTest, JanusRestartedMidRoomIsReconciled) {
  const std::string id = book("appt-janus-restart");
  ASSERT_FALSE(id.empty());
  JanusRoom session = hold_session(id);
  ASSERT_EQ(session.joined.size(), 2u);
  const int before = janus_->pid();
  ASSERT_TRUE(janus_->restart());
  EXPECT_NE(janus_->pid(), before);
  EXPECT_TRUE(janus_->rooms().empty()) << "a restarted Janus holds no API-created room";
  expect_run_went_on(id);
}

TEST_F(JanusConsultationTest, ARoomNobodyPublishedInCompletesWithoutARecording) {
  const std::string id = book("appt-janus-no-media");
  ASSERT_FALSE(id.empty());
  HubApiClient api = hub_->client("hospital");
  // Both join over the HTTP API and publish nothing: Janus records nothing.
  JanusRoom session = hold_session(id);
  ASSERT_EQ(session.joined.size(), 2u);
  const std::string room = recorded_room(api, id);
  const std::filesystem::path folder = std::filesystem::path(janus_->server().recordings) / room;
  ASSERT_TRUE(janus_->restart());
  expect_run_went_on(id);
  // The run completes: the archive step archives nothing and says why, the
  // encounter is written, and no recording document is attached.
  EXPECT_EQ(hub_->wait_for_status(api, id, {"completed"}, 120s), "completed")
      << hub_->timeline(api, id) << hub_->log();
  const json timeline = timeline_of(*hub_, api, id);
  EXPECT_EQ(step_status(timeline, "archive"), "succeeded") << timeline.dump();
  EXPECT_EQ(mjr_files(folder), 0);
  ApiAnswer list = api.get("/v1/consultations/" + id + "/recordings");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json["items"].size(), 0u) << list.body;
  EXPECT_EQ(hub_->ehr_resources("Encounter"), 1);
  EXPECT_EQ(hub_->ehr_resources("DocumentReference"), 0);
  EXPECT_NE(hub_->log().find("recorded no media"), std::string::npos) << hub_->log();
}
#endif

// The kill -9 test's suite is named for its database, so that the two
// binaries' tests have distinct ctest names (the PostgreSQL one needs the
// postgres fixture).
#ifdef WASL_CONSULTATION_POSTGRES
class PostgresJanusConsultationTest : public JanusConsultationTest {};
#define WASL_JANUS_KILL_SUITE PostgresJanusConsultationTest
#else
#define WASL_JANUS_KILL_SUITE JanusConsultationTest
#endif

TEST_F(WASL_JANUS_KILL_SUITE, TheClinicianEndsTheSession) {
  const std::string id = book("appt-janus-end");
  ASSERT_FALSE(id.empty());
  HubApiClient api = hub_->client("hospital");
  JanusRoom session = hold_session(id);
  ASSERT_EQ(session.joined.size(), 2u);
  const std::string room = recorded_room(api, id);
  ASSERT_EQ(janus_->rooms(),
            std::vector<std::uint64_t>{static_cast<std::uint64_t>(std::stoull(room))});

  const HubApiClient clinician = hub_->client("clinician");
  const std::string path = "/v1/consultations/" + id + "/end-session";
  ApiAnswer ended = clinician.post(path, json::object());
  ASSERT_EQ(ended.status, 202) << ended.body;
  EXPECT_EQ(ended.json.value("room_id", std::string()), room);
  EXPECT_EQ(ended.json.value("room_status", std::string()), "ended");
  EXPECT_TRUE(janus_->rooms().empty()) << "Janus still holds the room";

  EXPECT_TRUE(wait_for_step(*hub_, api, id, "session_ended", "succeeded", 30s))
      << hub_->timeline(api, id) << hub_->log();
  EXPECT_TRUE(wait_for_step(*hub_, api, id, "ended", "succeeded", 30s)) << hub_->timeline(api, id);
  // Asked again once the run has gone on: the same answer.
  ApiAnswer again = clinician.post(path, json::object());
  EXPECT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(again.json, ended.json);
  const json timeline = timeline_of(*hub_, api, id);
  EXPECT_EQ(attendance_marks(timeline, "room_end"), 1) << timeline.dump();
  for (const auto& a : timeline.value("attempts", json::array())) {
    EXPECT_FALSE(a.value("compensation", false)) << a.dump();
  }
  ApiAnswer consultation = api.get("/v1/consultations/" + id);
  EXPECT_NE(consultation.json.value("status", std::string()), "cancelled") << consultation.body;
  // The run went on to the recording.
  const auto reached = std::chrono::steady_clock::now() + 30s;
  while (step_status(timeline_of(*hub_, api, id), "composition").empty() &&
         std::chrono::steady_clock::now() < reached) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(step_status(timeline_of(*hub_, api, id), "composition").empty())
      << hub_->timeline(api, id);
}

TEST_F(WASL_JANUS_KILL_SUITE, TheHubKilledWhileTheRoomRunsWaitsOn) {
  const std::string id = book("appt-janus-kill");
  ASSERT_FALSE(id.empty());
  HubApiClient api = hub_->client("hospital");
  // The doctor publishes real media from Chromium, so Janus records the
  // room; the patient joins without media.
  JanusPublisher publisher;
  publisher.seconds = kPublishSeconds;
  JanusRoom session = hold_session(id, &publisher);
  ASSERT_EQ(session.joined.size(), 2u);
  const std::string room = recorded_room(api, id);
  ASSERT_EQ(room, session.room_id);
  const std::vector<std::uint64_t> rooms = janus_->rooms();
  ASSERT_EQ(rooms, std::vector<std::uint64_t>{static_cast<std::uint64_t>(std::stoull(room))});

  hub_->kill();
  ASSERT_TRUE(hub_->start());
  api = hub_->client("hospital");
  const HubApiClient admin = hub_->client("admin");
  // The restarted hub asks Janus about the room every pass (get_room,
  // through the plugin: its instance's calls); after several passes the
  // run still waits on the same room and no second room exists.
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (instance_calls(admin, JanusSide::kInstance) < 4 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_GE(instance_calls(admin, JanusSide::kInstance), 4) << hub_->log();
  const json waiting = timeline_of(*hub_, api, id);
  EXPECT_EQ(step_status(waiting, "session_ended"), "waiting") << waiting.dump();
  EXPECT_EQ(attendance_marks(waiting, "room_end"), 0) << waiting.dump();
  EXPECT_EQ(recorded_room(api, id), room);
  EXPECT_EQ(janus_->rooms(), rooms) << "the restarted hub made no second room";

  // The doctor publishes to the end (through the kill): Janus closes her
  // recording when she leaves.
  const json published = wait_for_publication(publisher, 120s);
  EXPECT_EQ(published.value("state", ""), "done")
      << published.dump() << " (publisher log: " << publisher.peer->log_file() << ")";
  EXPECT_GE(published.value("published_ms", 0), kPublishSeconds * 1000);
  const std::filesystem::path folder = std::filesystem::path(janus_->server().recordings) / room;
  EXPECT_GE(mjr_files(folder), 2) << "her audio and video are recorded in " << folder;

  // The room ends (Janus loses it): the run goes on to convert the
  // recording. The hub is killed again while a converter (janus-pp-rec or
  // ffmpeg, its child through the process runner) runs: the converter dies
  // with it, and the restarted hub converts again and archives once.
  ASSERT_TRUE(janus_->restart());
  expect_run_went_on(id);
  const int converter = wait_for_converter(hub_->pid(), 120s);
  ASSERT_GT(converter, 0) << "no converter ran:\n" << hub_->timeline(api, id) << hub_->log();
  hub_->kill();
  EXPECT_TRUE(eventually([&] { return gone(converter); }, 10s))
      << "converter " << converter << " outlived the hub";
  if (!gone(converter)) ::kill(converter, SIGKILL);
  ASSERT_TRUE(hub_->start());
  api = hub_->client("hospital");
  EXPECT_EQ(hub_->wait_for_status(api, id, {"completed"}, 240s), "completed")
      << hub_->timeline(api, id) << hub_->log();
  expect_archived_once(id);
  // Released once the archive's hash was verified: the .mjr files, the WebM
  // and the room's folder are gone.
  EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(folder); }, 30s))
      << folder << " still holds the raw recording";
}

// The empty-room test's suite: the hub ends empty Janus rooms after 500 ms.
#ifdef WASL_CONSULTATION_POSTGRES
#define WASL_JANUS_EMPTY_ROOM_SUITE PostgresJanusEmptyRoomTest
#else
#define WASL_JANUS_EMPTY_ROOM_SUITE JanusEmptyRoomTest
#endif
class WASL_JANUS_EMPTY_ROOM_SUITE : public JanusConsultationTest {
 protected:
  std::string empty_room_timeout() const override {
    return std::to_string(kEmptyFor.count()) + "ms";
  }
  // Both leaves reach the hub before it ends the room, so before Janus's
  // `destroyed`: nothing late for hub.attendance to wait for.
  std::string attendance_settle() const override { return "200ms"; }

  static constexpr std::chrono::milliseconds kEmptyFor{500};
  // A room the hub must leave open is watched for four times the timeout.
  static constexpr std::chrono::milliseconds kStays = 4 * kEmptyFor;

  // Whether Janus still holds `room` for the whole of `window` (polled).
  bool room_stays(std::uint64_t room, std::chrono::milliseconds window) {
    const auto until = std::chrono::steady_clock::now() + window;
    while (std::chrono::steady_clock::now() < until) {
      std::vector<std::uint64_t> rooms = janus_->rooms();
      if (std::find(rooms.begin(), rooms.end(), room) == rooms.end()) return false;
      std::this_thread::sleep_for(200ms);
    }
    return true;
  }
};

TEST_F(WASL_JANUS_EMPTY_ROOM_SUITE, AnEmptyRoomIsEndedByTheHub) {
  const std::string id = book("appt-janus-empty");
  ASSERT_FALSE(id.empty());
  HubApiClient api = hub_->client("hospital");
  const std::string room = recorded_room(api, id);
  ASSERT_FALSE(room.empty());
  const auto room_number = static_cast<std::uint64_t>(std::stoull(room));
  // Nobody has joined yet: the waiting room may be long, the room stays.
  EXPECT_TRUE(room_stays(room_number, kStays)) << hub_->log();

  JanusRoom session = hold_session(id);
  ASSERT_EQ(session.joined.size(), 2u);
  // The doctor leaves; the patient is still in: the room stays.
  session.joined[0].session->leave();
  const auto left = std::chrono::steady_clock::now() + 30s;
  while (attendance_marks(timeline_of(*hub_, api, id), "leave") < 1 &&
         std::chrono::steady_clock::now() < left) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(attendance_marks(timeline_of(*hub_, api, id), "leave"), 1) << hub_->timeline(api, id);
  EXPECT_TRUE(room_stays(room_number, kStays)) << hub_->log();
  EXPECT_EQ(step_status(timeline_of(*hub_, api, id), "session_ended"), "waiting");

  // The patient leaves too: the hub ends the room after the timeout, Janus
  // destroys it and reports it, and the run goes on.
  session.joined[1].session->leave();
  const auto ended = std::chrono::steady_clock::now() + 30s;
  while (!janus_->rooms().empty() && std::chrono::steady_clock::now() < ended) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(janus_->rooms().empty()) << hub_->log();
  EXPECT_TRUE(wait_for_step(*hub_, api, id, "session_ended", "succeeded", 30s))
      << hub_->timeline(api, id) << hub_->log();
  EXPECT_TRUE(wait_for_step(*hub_, api, id, "ended", "succeeded", 30s)) << hub_->timeline(api, id);
  EXPECT_NE(hub_->log().find("and nobody joined since; the hub ended the room (ended)"),
            std::string::npos)
      << hub_->log();

  // Audited once, by the hub, naming the consultation's room.
  ApiAnswer audit = hub_->client("auditor").get("/v1/audit?action=room.end_empty");
  ASSERT_EQ(audit.status, 200) << audit.body;
  ASSERT_EQ(audit.json["items"].size(), 1u) << audit.body;
  EXPECT_EQ(audit.json["items"][0].value("entity_id", std::string()), id);
  EXPECT_EQ(audit.json["items"][0].value("actor", std::string()), "system");
  const json& item = audit.json["items"][0];
  const json detail = item["detail"].is_string()
                          ? json::parse(item.value("detail", std::string("{}")), nullptr, false)
                          : item["detail"];
  EXPECT_EQ(detail.value("room_id", std::string()), room) << audit.body;
}

}  // namespace
}  // namespace wasl::testing
