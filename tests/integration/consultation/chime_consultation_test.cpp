// The whole consultation (workflows/consultation.yaml) on Chime, end to end:
// the real `wasl serve` with the shipped Chime plugin against the Node Chime
// peer (every request SigV4-checked), the FHIR plugin as the EHR against the
// FHIR peer (a real R4 server validating every write; SMART Backend
// Services), the NPHIES plugin against the NPHIES peer over mutual TLS and
// the MOH plugin against the MOH peer. The peers' counts prove each outside
// effect happened once:
//   - HappyPathWithAnExpiredMeeting: the first meeting expires before anyone
//     connects; the clinician's join recreates it once (a new derived token)
//     and the session, recording, archive, claim and report complete; the
//     EHR's access token expires mid-run and is fetched again exactly once;
//   - EveryCallFailsOnceAndTheHubIsKilledMidway: booked by the EHR's
//     Subscription notification (no POST /v1/consultations); one fault per
//     Chime operation and per EHR call (lost answers after the effect, 500s,
//     503 and 429 with Retry-After, a dropped connection, the token endpoint),
//     NPHIES's (a 500 for the eligibility request, the claim's answer lost
//     after the exchange stored it), and a kill -9 in the waiting room and
//     again once the composition has ended (the archive phase): still one
//     meeting, one capture, one concatenation, exactly one Encounter and one
//     DocumentReference on the FHIR server (each validated as R4 when
//     written), one eligibility request and one claim at the exchange,
//     approved there and at the hub, and the archived file's SHA-256
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

#include "tests/integration/consultation/chime_side.hpp"
#include "tests/integration/consultation/consultation_hub.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

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
// appointment fulfilled; one eligibility request and one claim at NPHIES,
// approved there and at the hub.
void expect_effects_once(ConsultationHub& hub, const HubApiClient& api, const std::string& id,
                         const std::string& appointment) {
  EXPECT_EQ(hub.ehr_resources("Encounter"), 1);
  EXPECT_EQ(hub.ehr_resources("DocumentReference"), 1);
  EXPECT_EQ(hub.ehr_appointment_status(appointment), "fulfilled");
  hub.expect_billed_once(api, id);
  // The ministry report went to the MOH peer: one message Bundle, valid R4.
  EXPECT_EQ(hub.moh_consultation_reports(), 1);
}

// ---- the tests ---------------------------------------------------------------

class ChimeConsultationTest : public ::testing::TestWithParam<bool /*postgres*/> {
 protected:
  ConsultationHubOptions options() {
    ConsultationHubOptions o;
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
  expect_effects_once(hub, api, id, "appt-happy");
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
      {{"operation", "CreateMediaCapturePipeline"},
       {"count", 1},
       {"status", 503},
       {"retryAfterSeconds", 1},
       {"afterEffect", true}},
      {{"operation", "CreateAttendee"}, {"count", 1}, {"status", 500}, {"afterEffect", true}},
      {{"operation", "GetMeeting"}, {"count", 1}, {"status", 503}, {"retryAfterSeconds", 1}},
      {{"operation", "GetMediaCapturePipeline"}, {"count", 1}, {"status", 500}},
      {{"operation", "CreateMediaConcatenationPipeline"},
       {"count", 1},
       {"status", 500},
       {"afterEffect", true}},
      {{"operation", "GetMediaPipeline"}, {"count", 1}, {"status", 503}, {"retryAfterSeconds", 1}},
      {{"operation", "ListObjectsV2"}, {"count", 1}, {"status", 500}},
      {{"operation", "GetObject"}, {"count", 1}, {"status", 500}},
  });
  ASSERT_TRUE(peer->post("/_peer/faults", faults).ok());

  ConsultationHubOptions hub_options = options();
  hub_options.ehr_bookings = true;
  // The peer posts the attendees' events before the meeting's end, in
  // order: hub.attendance need not wait the default 3 s for late ones.
  hub_options.attendance_settle = "200ms";
  ConsultationHub hub(chime_binding(*peer), hub_options);
  // NPHIES: the eligibility request fails once before the exchange reads it;
  // the claim's answer is lost once after the exchange stored the claim.
  ASSERT_NE(hub.nphies_peer(), nullptr);
  ASSERT_TRUE(
      hub.nphies_peer()
          ->post("/_peer/faults",
                 json::array({{{"event", "eligibility-request"}, {"count", 1}, {"status", 500}},
                              {{"event", "claim-request"}, {"count", 1}, {"drop", true}}}))
          .ok());
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
  expect_effects_once(hub, api, id, "appt-faults");
  auto nphies_faults = hub.nphies_peer()->get("/_peer/faults");
  ASSERT_TRUE(nphies_faults.ok());
  EXPECT_TRUE((*nphies_faults)["rules"].empty())
      << "every NPHIES fault fired: " << nphies_faults->dump();
  auto ehr_faults = hub.fhir_peer()->process().get("/_peer/faults");
  ASSERT_TRUE(ehr_faults.ok());
  EXPECT_TRUE(ehr_faults->is_array() ? ehr_faults->empty() : (*ehr_faults)["rules"].empty())
      << "every EHR fault fired: " << ehr_faults->dump();
}

TEST_P(ChimeConsultationTest, ALostMeetingEndedIsReconciled) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  ASSERT_TRUE(
      peer->post("/_peer/faults", {{"dropEvents", 1}, {"eventType", "chime:MeetingEnded"}}).ok());
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
      << "the end came from reconciliation:\n"
      << hub.log();
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
      deferred = deferred || (a.contains("error") &&
                              a["error"].value("code", "") == std::string("failed_precondition"));
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
