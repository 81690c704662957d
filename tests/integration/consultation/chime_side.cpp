#include "tests/integration/consultation/chime_side.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kEventsSecret[] = "e2e-eventbridge-secret";

}  // namespace

// A concatenation takes 1 s (minutes at AWS): its end event must not outrun
// the plugin recording the pipeline as a concatenation after a lost answer.
std::unique_ptr<PeerProcess> start_peer(int idle_end_ms) {
  PeerOptions options;
  options.args = {"--idle-end-ms",         std::to_string(idle_end_ms),
                  "--concatenation-ms",    "1000",
                  "--recording-bytes",     "300000",
                  "--events-header-value", kEventsSecret};
  options.start_deadline = 60s;
  auto peer = PeerProcess::start("chime", options);
  EXPECT_TRUE(peer.ok()) << peer.error().message;
  return peer.ok() ? std::move(peer).value() : nullptr;
}

VideoBinding chime_binding(const PeerProcess& peer) {
  VideoBinding video;
  video.plugin = "chime";
  video.file = WASL_CHIME_PLUGIN_FILE;
  video.instance = "video.chime-main";
  video.settings = {
      {"endpoints",
       {{"meetings", peer.url()}, {"media_pipelines", peer.url()}, {"s3", peer.url()}}},
      {"credentials",
       {{"access_key_id", "AKIDEXAMPLE"},
        {"secret_access_key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}}},
      {"capture", {{"bucket_arn", kBucketArn}, {"prefix", "captures"}}},
      {"eventbridge", {{"header_value", kEventsSecret}}},
      {"retry", {{"max_attempts", 3}, {"initial_backoff_ms", 50}, {"max_delay_ms", 3000}}}};
  return video;
}

// Points the peer's EventBridge sender at the hub (again after a restart).
void send_events_to(PeerProcess& peer, const ConsultationHub& hub) {
  auto set = peer.post("/_peer/config", {{"eventsUrl", hub.webhook_url()}});
  ASSERT_TRUE(set.ok()) << set.error().message;
}

json peer_effects(const PeerProcess& peer) {
  auto effects = peer.get("/_peer/effects");
  EXPECT_TRUE(effects.ok()) << effects.error().message;
  return effects.ok() ? *effects : json::object();
}

// Polls the peer's effects until `member` reaches `value` (bounded).
bool wait_for_effect(const PeerProcess& peer, const std::string& member, int value,
                     std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (peer_effects(peer).value(member, 0) >= value) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Polls until the concatenation's file exists and the peer has delivered its
// end (chime:MediaPipelineDeleted, answered 2xx by the hub): the hub then
// holds composition.completed and is on to the archive (bounded).
bool wait_for_composition_delivered(const PeerProcess& peer, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  const std::string folder = "composited-video/";
  while (std::chrono::steady_clock::now() < until) {
    std::string pipeline;
    if (auto objects = peer.get("/_peer/objects"); objects.ok()) {
      for (const auto& o : (*objects)["objects"]) {
        std::string key = o.value("key", std::string());
        auto at = key.find(folder);
        if (at != std::string::npos) pipeline = key.substr(at + folder.size(), 36);
      }
    }
    if (!pipeline.empty()) {
      if (auto events = peer.get("/_peer/events"); events.ok()) {
        for (const auto& e : (*events)["events"]) {
          if (e.value("eventType", std::string()) == "chime:MediaPipelineDeleted" &&
              e["detail"].value("mediaPipelineId", std::string()) == pipeline &&
              e.value("status", std::string()) == "sent") {
            return true;
          }
        }
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Adds a doctor (by her clinician key: admitted at once) and a patient (by
// the hospital, admitted by the clinician), each with a Chime join token.
Session admit_participants(ConsultationHub& hub, const std::string& id) {
  Session session;
  HubApiClient hospital = hub.client("hospital");
  HubApiClient clinician = hub.client("clinician");
  const std::string path = "/v1/consultations/" + id + "/participants";
  ApiAnswer doctor =
      clinician.post(path, {{"role", "doctor"}, {"display_name", "Dr Test"}}, "add-doctor-" + id);
  EXPECT_EQ(doctor.status, 201) << doctor.body;
  if (!doctor.json.is_object() || !doctor.json.contains("join")) {
    ADD_FAILURE() << "the doctor got no join token: " << doctor.body;
    return session;
  }
  session.meeting_id = doctor.json["join"]["provider"].value("room_id", std::string());
  session.attendees.push_back(doctor.json["join"].value("provider_participant_id", std::string()));

  ApiAnswer patient =
      hospital.post(path, {{"role", "patient"}, {"display_name", "مريض"}}, "add-patient-" + id);
  EXPECT_EQ(patient.status, 201) << patient.body;
  EXPECT_FALSE(patient.json.contains("join")) << "a waiting patient must have no token";
  std::string pid = patient.json.value("id", std::string());
  ApiAnswer admitted = clinician.post(path + "/" + pid + "/admit", json::object());
  EXPECT_EQ(admitted.status, 200) << admitted.body;
  if (!admitted.json.is_object() || !admitted.json.contains("join")) {
    ADD_FAILURE() << "the admitted patient got no join token: " << admitted.body;
    return session;
  }
  EXPECT_EQ(admitted.json["join"]["provider"].value("room_id", std::string()), session.meeting_id);
  session.attendees.push_back(
      admitted.json["join"].value("provider_participant_id", std::string()));
  return session;
}

// Everyone joins, talks, and the meeting ends (as Chime would report it).
// The meeting's end says it came a second after the joins: a session ending
// in the millisecond it began held nobody (attendance counts no period), and
// the workflow would take it for a clinician no-show. The `at` lays out the
// session's length; it waits for nothing.
void hold_and_end_session(PeerProcess& peer, const Session& session) {
  const std::int64_t joined_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
  json actions = json::array();
  for (const auto& a : session.attendees) {
    actions.push_back({{"type", "join"}, {"attendeeId", a}, {"at", joined_at}});
  }
  auto joined =
      peer.post("/_peer/meetings/" + session.meeting_id + "/simulate", {{"actions", actions}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  auto ended = peer.post("/_peer/meetings/" + session.meeting_id + "/simulate",
                         {{"type", "end"}, {"at", joined_at + 1000}});
  ASSERT_TRUE(ended.ok()) << ended.error().message;
}

}  // namespace wasl::testing
