// The whole consultation (workflows/consultation.yaml) on Chime, end to end:
// the real `wasl serve` with the shipped Chime plugin against the Node Chime
// peer (every request SigV4-checked), the FHIR plugin as the EHR against the
// FHIR peer (a real R4 server validating every write; SMART Backend
// Services), the sandbox plugin as NPHIES and the MOH plugin against the MOH
// peer. The peers' counts prove each outside effect happened once:
//   - HappyPathWithAnExpiredMeeting: the first meeting expires before anyone
//     connects; the clinician's join recreates it once (a new derived token)
//     and the session, recording, archive, claim and report complete; the
//     EHR's access token expires mid-run and is fetched again exactly once;
//   - EveryCallFailsOnceAndTheHubIsKilledMidway: booked by the EHR's
//     Subscription notification (no POST /v1/consultations); one fault per
//     Chime operation and per EHR call (lost answers after the effect, 500s,
//     503 and 429 with Retry-After, a dropped connection, the token endpoint),
//     the sandbox's lost first answers, and a kill -9 in the waiting room and
//     again once the composition has ended (the archive phase): still one
//     meeting, one capture, one concatenation, exactly one Encounter and one
//     DocumentReference on the FHIR server (each validated as R4 when
//     written), one effect per sandbox key, and the archived file's SHA-256
//     equals the peer's object digest;
//   - ALostMeetingEndedIsReconciled: the peer drops MeetingEnded; the hub's
//     session reconciliation (archive.reconcile_interval) ends the session;
//   - TheMeetingIsCreatedJustInTimeAcrossARestart: the appointment starts
//     10 s ahead and join_lead_seconds is 2: create_room is deferred (no
//     meeting), the hub is killed meanwhile, and the restarted hub creates the
//     one meeting at start - lead.
// The binary built with WASL_CONSULTATION_POSTGRES runs the fault test on
// PostgreSQL instead (the others are storage-neutral and run on SQLite).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "tests/integration/consultation/consultation_hub.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kEventsSecret[] = "e2e-eventbridge-secret";
constexpr char kBucketArn[] = "arn:aws:s3:::wasl-recordings";

// ---- the Chime side: peer process, plugin settings, session driving -------

// A concatenation takes 1 s (minutes at AWS): its end event must not outrun
// the plugin recording the pipeline as a concatenation after a lost answer.
std::unique_ptr<PeerProcess> start_peer(int idle_end_ms) {
  PeerOptions options;
  options.args = {"--idle-end-ms", std::to_string(idle_end_ms), "--concatenation-ms", "1000",
                  "--recording-bytes", "300000", "--events-header-value", kEventsSecret};
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
      {"endpoints", {{"meetings", peer.url()}, {"media_pipelines", peer.url()}, {"s3", peer.url()}}},
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
bool wait_for_composition_delivered(const PeerProcess& peer,
                                    std::chrono::milliseconds deadline) {
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

struct Session {
  std::string meeting_id;              // the meeting the participants joined
  std::vector<std::string> attendees;  // their Chime AttendeeIds
};

// Adds a doctor (admitted at once) and a patient (admitted by the
// clinician), each with a Chime join token, as the hospital would.
Session admit_participants(ConsultationHub& hub, const std::string& id) {
  Session session;
  HubApiClient hospital = hub.client("hospital");
  HubApiClient clinician = hub.client("clinician");
  const std::string path = "/v1/consultations/" + id + "/participants";
  ApiAnswer doctor = hospital.post(path, {{"role", "doctor"}, {"display_name", "Dr Test"}},
                                   "add-doctor-" + id);
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
  EXPECT_EQ(admitted.json["join"]["provider"].value("room_id", std::string()),
            session.meeting_id);
  session.attendees.push_back(admitted.json["join"].value("provider_participant_id", std::string()));
  return session;
}

// Everyone joins, talks, and the meeting ends (as Chime would report it).
void hold_and_end_session(PeerProcess& peer, const Session& session) {
  json actions = json::array();
  for (const auto& a : session.attendees) actions.push_back({{"type", "join"}, {"attendeeId", a}});
  auto joined = peer.post("/_peer/meetings/" + session.meeting_id + "/simulate",
                          {{"actions", actions}});
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  auto ended = peer.post("/_peer/meetings/" + session.meeting_id + "/simulate", {{"type", "end"}});
  ASSERT_TRUE(ended.ok()) << ended.error().message;
}

// The archived recording, decrypted by the hub, against the peer's object.
void expect_archived_recording_matches_the_peer(ConsultationHub& hub, const std::string& id,
                                                const PeerProcess& peer) {
  HubApiClient hospital = hub.client("hospital");
  ApiAnswer list = hospital.get("/v1/consultations/" + id + "/recordings");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["items"].size(), 1u) << list.body;
  std::string recording = list.json["items"][0].value("id", std::string());
  ApiAnswer content = hospital.get("/v1/recordings/" + recording + "/content");
  ASSERT_EQ(content.status, 200) << content.body.substr(0, 300);

  auto objects = peer.get("/_peer/objects?sha256=1");
  ASSERT_TRUE(objects.ok()) << objects.error().message;
  std::vector<json> concatenated;
  for (const auto& o : (*objects)["objects"]) {
    if (o.value("key", std::string()).find("composited-video/") != std::string::npos) {
      concatenated.push_back(o);
    }
  }
  ASSERT_EQ(concatenated.size(), 1u) << objects->dump();
  EXPECT_EQ(static_cast<std::int64_t>(content.body.size()), concatenated[0].value("size", 0));
  EXPECT_EQ(sha256_hex(content.body), concatenated[0].value("sha256", std::string()));
}

// Every effect once: one Encounter and one DocumentReference on the FHIR
// server (the peer validated each as R4 when it was written), the
// appointment fulfilled; one sandbox row per idempotency key of NPHIES.
void expect_sandbox_effects_once(const ConsultationHub& hub, const std::string& appointment) {
  EXPECT_EQ(hub.ehr_resources("Encounter"), 1);
  EXPECT_EQ(hub.ehr_resources("DocumentReference"), 1);
  EXPECT_EQ(hub.ehr_appointment_status(appointment), "fulfilled");
  std::map<std::string, int> keys_per_method;
  for (const auto& e : hub.effects()) {
    ++keys_per_method[e.method];
    EXPECT_GE(e.calls, 1);
  }
  EXPECT_EQ(keys_per_method["check_eligibility"], 1);
  EXPECT_EQ(keys_per_method["submit_claim"], 1);
  // The ministry report went to the MOH peer: one message Bundle, valid R4.
  EXPECT_EQ(hub.moh_consultation_reports(), 1);
}

// ---- the tests ---------------------------------------------------------------

class ChimeConsultationTest : public ::testing::TestWithParam<bool /*postgres*/> {
 protected:
  ConsultationHubOptions options(json sandbox = json::object()) {
    ConsultationHubOptions o;
    o.sandbox = std::move(sandbox);
    if (GetParam()) o.postgres_url = postgres_test_url();
    return o;
  }
};

// The fault and crash test, the one also run on PostgreSQL.
class ChimeConsultationFaultTest : public ChimeConsultationTest {};

TEST_P(ChimeConsultationTest, HappyPathWithAnExpiredMeeting) {
  // The first meeting expires 1.5 s after creation with nobody connected.
  auto peer = start_peer(1500);
  ASSERT_TRUE(peer);
  ConsultationHub hub(chime_binding(*peer), options());
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  HubApiClient api = hub.client("hospital");
  std::string id = hub.book(api, "appt-happy");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
      << hub.timeline(api, id) << hub.log();
  // The EHR's access token expires mid-run: the next EHR call is refused
  // (401), the plugin fetches one new token and retries.
  ASSERT_NE(hub.fhir_peer(), nullptr);
  auto ehr_effects = hub.fhir_peer()->effects();
  ASSERT_TRUE(ehr_effects.ok());
  const int tokens_before = (*ehr_effects)["tokens"].value("issued", 0);
  EXPECT_EQ(tokens_before, 1) << ehr_effects->dump();
  auto expired = hub.fhir_peer()->expire_tokens();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1);
  ASSERT_TRUE(wait_for_effect(*peer, "meetingsEnded", 1, 10s)) << "the meeting did not expire";
  // The recreated meeting stays open while the participants are admitted.
  ASSERT_TRUE(peer->post("/_peer/config", {{"idleEndMs", 600000}}).ok());

  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());
  json effects = peer_effects(*peer);
  EXPECT_EQ(effects["meetingsCreated"], 2) << "recreated once: " << effects.dump();
  EXPECT_EQ(effects["meetingsByClientRequestToken"].size(), 2u) << "under a new derived token";
  hold_and_end_session(*peer, session);

  EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 60s), "completed")
      << hub.timeline(api, id);
  effects = peer_effects(*peer);
  EXPECT_EQ(effects["meetingsCreated"], 2);
  EXPECT_EQ(effects["capturePipelinesCreated"], 2) << "one capture per meeting";
  EXPECT_EQ(effects["concatenationPipelinesCreated"], 1);
  expect_archived_recording_matches_the_peer(hub, id, *peer);
  expect_sandbox_effects_once(hub, "appt-happy");
  ehr_effects = hub.fhir_peer()->effects();
  ASSERT_TRUE(ehr_effects.ok());
  EXPECT_EQ((*ehr_effects)["tokens"].value("issued", 0), tokens_before + 1)
      << "one new token after the expiry: " << ehr_effects->dump();
}

TEST_P(ChimeConsultationFaultTest, EveryCallFailsOnceAndTheHubIsKilledMidway) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  // One fault per operation the consultation uses: creating calls lose their
  // answer after the effect; the others fail before it. (No
  // DeleteMediaCapturePipeline: the meeting's end stops the capture first.)
  json faults = json::array({
      {{"operation", "CreateMeeting"}, {"count", 1}, {"status", 500}, {"afterEffect", true}},
      {{"operation", "CreateMediaCapturePipeline"}, {"count", 1}, {"status", 503},
       {"retryAfterSeconds", 1}, {"afterEffect", true}},
      {{"operation", "CreateAttendee"}, {"count", 1}, {"status", 500}, {"afterEffect", true}},
      {{"operation", "GetMeeting"}, {"count", 1}, {"status", 503}, {"retryAfterSeconds", 1}},
      {{"operation", "GetMediaCapturePipeline"}, {"count", 1}, {"status", 500}},
      {{"operation", "CreateMediaConcatenationPipeline"}, {"count", 1}, {"status", 500},
       {"afterEffect", true}},
      {{"operation", "GetMediaPipeline"}, {"count", 1}, {"status", 503}, {"retryAfterSeconds", 1}},
      {{"operation", "ListObjectsV2"}, {"count", 1}, {"status", 500}},
      {{"operation", "GetObject"}, {"count", 1}, {"status", 500}},
  });
  ASSERT_TRUE(peer->post("/_peer/faults", faults).ok());

  ConsultationHubOptions hub_options = options({{"fail_first_attempt", true}});
  hub_options.ehr_bookings = true;
  ConsultationHub hub(chime_binding(*peer), hub_options);
  // One fault per EHR call the consultation makes, the booking's read of the
  // notified appointment included: the writes lose their answer after the
  // effect (conditional create and If-Match make the resend safe).
  ASSERT_NE(hub.fhir_peer(), nullptr);
  ASSERT_TRUE(
      hub.fhir_peer()
          ->fault(json::array({
              {{"operation", "token"}, {"status", 503}},
              {{"operation", "read Appointment"}, {"status", 500}},
              {{"operation", "read Patient"}, {"status", 503}, {"retryAfterSeconds", 1}},
              {{"operation", "read Practitioner"}, {"status", 429}, {"retryAfterSeconds", 1}},
              {{"operation", "search Coverage"}, {"status", 500}},
              {{"operation", "update Appointment"}, {"status", 500}, {"afterEffect", true}},
              {{"operation", "create Encounter"}, {"drop", true}},
              {{"operation", "create DocumentReference"}, {"status", 500}, {"afterEffect", true}},
          }))
          .ok());
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  HubApiClient api = hub.client("hospital");
  std::string id = hub.book_in_ehr(api, "appt-faults");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 40s), "waiting_room")
      << hub.timeline(api, id) << hub.log();

  // Killed in the waiting room; the restarted hub carries on.
  hub.kill();
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  api = hub.client("hospital");
  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());
  hold_and_end_session(*peer, session);

  // Killed again in the recording phase, once the hub holds the composition's
  // end (an event sent while it is down would be lost), and restarted.
  ASSERT_TRUE(wait_for_composition_delivered(*peer, 40s)) << hub.timeline(api, id);
  hub.kill();
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  api = hub.client("hospital");

  EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 90s), "completed")
      << hub.timeline(api, id);
  json effects = peer_effects(*peer);
  EXPECT_EQ(effects["meetingsCreated"], 1) << effects.dump();
  EXPECT_EQ(effects["capturePipelinesCreated"], 1) << effects.dump();
  EXPECT_EQ(effects["concatenationPipelinesCreated"], 1) << effects.dump();
  auto pending = peer->get("/_peer/faults");
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->is_array() ? pending->empty() : (*pending)["rules"].empty())
      << "every fault fired: " << pending->dump();
  expect_archived_recording_matches_the_peer(hub, id, *peer);
  expect_sandbox_effects_once(hub, "appt-faults");
  auto ehr_faults = hub.fhir_peer()->process().get("/_peer/faults");
  ASSERT_TRUE(ehr_faults.ok());
  EXPECT_TRUE(ehr_faults->is_array() ? ehr_faults->empty() : (*ehr_faults)["rules"].empty())
      << "every EHR fault fired: " << ehr_faults->dump();
}

TEST_P(ChimeConsultationTest, ALostMeetingEndedIsReconciled) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  ASSERT_TRUE(peer->post("/_peer/faults",
                         {{"dropEvents", 1}, {"eventType", "chime:MeetingEnded"}}).ok());
  ConsultationHub hub(chime_binding(*peer), options());  // reconcile_interval 1s
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  HubApiClient api = hub.client("hospital");
  std::string id = hub.book(api, "appt-lost-end");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
      << hub.timeline(api, id) << hub.log();
  Session session = admit_participants(hub, id);
  ASSERT_FALSE(session.meeting_id.empty());
  hold_and_end_session(*peer, session);

  EXPECT_EQ(hub.wait_for_status(api, id, {"completed", "failed", "cancelled"}, 60s), "completed")
      << hub.timeline(api, id);
  json effects = peer_effects(*peer);
  EXPECT_GE(effects["events"].value("dropped", 0), 1) << effects.dump();
  EXPECT_NE(hub.log().find("has ended at the provider; delivered room.ended"), std::string::npos)
      << "the end came from reconciliation:\n" << hub.log();
}

// The attempts of `step` in the run's timeline.
std::vector<json> step_attempts(const ConsultationHub& hub, const HubApiClient& api,
                                const std::string& id, const std::string& step) {
  std::vector<json> out;
  json timeline = json::parse(hub.timeline(api, id), nullptr, false);
  if (!timeline.is_object()) return out;
  for (const auto& a : timeline.value("attempts", json::array())) {
    if (a.value("step_id", std::string()) == step) out.push_back(a);
  }
  return out;
}

std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(ChimeConsultationTest, TheMeetingIsCreatedJustInTimeAcrossARestart) {
  constexpr int kStartAheadSeconds = 10;
  constexpr int kLeadSeconds = 2;
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  VideoBinding video = chime_binding(*peer);
  video.settings["join_lead_seconds"] = kLeadSeconds;
  ConsultationHub hub(video, options());
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  HubApiClient api = hub.client("hospital");
  std::string id = hub.book(api, "appt-jit", std::chrono::seconds(kStartAheadSeconds));
  ASSERT_FALSE(id.empty());

  // The room step answers "not yet" (failed_precondition, deferred): no meeting.
  auto until = std::chrono::steady_clock::now() + 20s;
  bool deferred = false;
  while (!deferred && std::chrono::steady_clock::now() < until) {
    for (const auto& a : step_attempts(hub, api, id, "room")) {
      deferred = deferred || (a.contains("error") && a["error"].value("code", "") ==
                                                         std::string("failed_precondition"));
    }
    if (!deferred) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(deferred) << hub.timeline(api, id) << hub.log();
  const std::int64_t start = hub.appointment_start_ms("appt-jit");
  ASSERT_GT(start, 0);
  const std::int64_t opens_at = start - kLeadSeconds * 1000;
  ASSERT_LT(epoch_ms_now(), opens_at) << "the test machine is too slow to see the deferral";
  EXPECT_EQ(peer_effects(*peer).value("meetingsCreated", -1), 0);

  // Killed while the creation is deferred; the restarted hub keeps the date.
  hub.kill();
  ASSERT_TRUE(hub.start());
  send_events_to(*peer, hub);
  api = hub.client("hospital");
  ASSERT_TRUE(wait_for_effect(*peer, "meetingsCreated", 1, 30s)) << hub.timeline(api, id);
  const std::int64_t created_by = epoch_ms_now();
  EXPECT_GE(created_by, opens_at) << "created before start - join_lead_seconds";
  EXPECT_LE(created_by, opens_at + 10000) << "the deferral was not honoured on time";

  ASSERT_EQ(hub.wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
      << hub.timeline(api, id);
  std::vector<json> attempts = step_attempts(hub, api, id, "room");
  ASSERT_FALSE(attempts.empty());
  EXPECT_EQ(attempts.back().value("status", std::string()), "succeeded") << hub.timeline(api, id);
  for (std::size_t i = 0; i + 1 < attempts.size(); ++i) {
    EXPECT_EQ(attempts[i]["error"].value("code", std::string()), "failed_precondition")
        << "only deferrals before the creation: " << hub.timeline(api, id);
  }
  Session session = admit_participants(hub, id);
  EXPECT_FALSE(session.meeting_id.empty());
  json effects = peer_effects(*peer);
  EXPECT_EQ(effects["meetingsCreated"], 1) << effects.dump();
  EXPECT_EQ(effects["capturePipelinesCreated"], 1) << effects.dump();
  EXPECT_EQ(effects["meetingsEnded"], 0) << effects.dump();
}

#ifdef WASL_CONSULTATION_POSTGRES
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ChimeConsultationTest);
INSTANTIATE_TEST_SUITE_P(Postgres, ChimeConsultationFaultTest, ::testing::Values(true),
                         [](const auto&) { return std::string("postgres"); });
#else
INSTANTIATE_TEST_SUITE_P(Sqlite, ChimeConsultationTest, ::testing::Values(false),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(Sqlite, ChimeConsultationFaultTest, ::testing::Values(false),
                         [](const auto&) { return std::string("sqlite"); });
#endif

}  // namespace
}  // namespace wasl::testing
