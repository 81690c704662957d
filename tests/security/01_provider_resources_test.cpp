// Point 1 of the tenant boundary: a workflow step acts only on its own
// facility's provider resources. Facility A's standard consultation opens a
// Chime meeting on the instance both facilities share; facility B's
// integrator, knowing A's meeting id or recording, deploys B's own workflow
// whose step names it: a join token into A's meeting, A's meeting bound to
// B's consultation, A's recording (by its media id or its s3:// object)
// archived into B's. Each run fails on a permanent permission_denied error
// before any call reaches Chime, B's auditor sees the access.denied event,
// and A's meeting and recording are untouched.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "tests/integration/consultation/chime_side.hpp"
#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kDeadline = 60s;

// B's workflow: one step `probe` calling `call` with `with` (YAML lines
// indented for a step's `with`). Its retry policy names permission_denied:
// a refusal is tried once all the same.
std::string probe_workflow(const std::string& name, const std::string& call,
                           const std::string& with) {
  return "name: " + name +
         "\n"
         "version: 1\n"
         "trigger:\n"
         "  kind: api\n"
         "steps:\n"
         "  - id: probe\n"
         "    call: " +
         call +
         "\n"
         "    with:\n" +
         with +
         "    retry:\n"
         "      max_attempts: 3\n"
         "      initial_delay: 1ms\n"
         "      on: [permission_denied]\n";
}

// Waits until A's consultation `a_id` is in the waiting room with its
// meeting; the meeting id, or empty with a test failure.
std::string wait_for_room(SecurityHub& s, const std::string& a_id) {
  HubApiClient a = s.client(SecurityHub::kA, "hospital");
  const std::string status = s.hub().wait_for_status(a, a_id, {"waiting_room"}, kDeadline);
  EXPECT_EQ(status, "waiting_room") << s.hub().timeline(a, a_id);
  ApiAnswer read = a.get("/v1/consultations/" + a_id);
  EXPECT_EQ(read.status, 200) << read.body;
  std::string room = read.json.is_object() ? read.json.value("video_room_id", std::string()) : "";
  EXPECT_FALSE(room.empty()) << read.body;
  return room;
}

// The attempts of `step` in a timeline.
json attempts_of(const json& timeline, const std::string& step) {
  json out = json::array();
  if (!timeline.is_object()) return out;
  for (const auto& a : timeline.value("attempts", json::array())) {
    if (a.value("step_id", std::string()) == step) out.push_back(a);
  }
  return out;
}

// `facility`'s access.denied events of run `run_id`.
json provider_denials_of(SecurityHub& s, const std::string& facility, const std::string& run_id) {
  json out = json::array();
  for (const auto& e : s.audit(facility, "access.denied")) {
    if (e["detail"].is_object() && e["detail"].value("run_id", std::string()) == run_id) {
      out.push_back(e);
    }
  }
  return out;
}

struct Refusal {
  std::string call;      // "video.issue_join_token"
  std::string member;    // the input member naming A's resource
  std::string kind;      // "room", "media"
  std::string recorded;  // "other_facility" or "none"
};

// Deploys `yaml` as B's workflow `name`, starts a consultation of B running
// it with `notes` (A's resource) in its trigger, and checks that the run
// failed on one refused attempt, audited for B alone. B's consultation id.
std::string expect_provider_refused(SecurityHub& s, const std::string& name,
                                    const std::string& yaml, const std::string& notes,
                                    const Refusal& want) {
  ApiAnswer deployed = s.deploy(SecurityHub::kB, name, yaml);
  EXPECT_TRUE(deployed.status == 200 || deployed.status == 201) << deployed.body;
  const std::string b_id = s.start(SecurityHub::kB, name, {{"notes", notes}});
  if (b_id.empty()) return b_id;
  const json timeline = s.wait_for_run_end(SecurityHub::kB, b_id, kDeadline);
  EXPECT_EQ(timeline.value("status", std::string()), "failed") << timeline.dump(2);
  EXPECT_FALSE(timeline.contains("next_attempt")) << timeline.dump(2);
  const json attempts = attempts_of(timeline, "probe");
  EXPECT_EQ(attempts.size(), 1u) << "a refusal is permanent, never retried: " << timeline.dump(2);
  if (!attempts.empty()) {
    const json& a = attempts[0];
    const json error = a.value("error", json::object());
    EXPECT_EQ(a.value("status", std::string()), "failed") << a.dump();
    EXPECT_EQ(error.value("code", std::string()), "permission_denied") << a.dump();
    EXPECT_EQ(error.value("message", std::string()).find(notes), std::string::npos)
        << "the step's error names A's resource: " << a.dump();
  }

  const std::string run_id = timeline.value("run_id", std::string());
  EXPECT_FALSE(run_id.empty()) << timeline.dump(2);
  const json denied = provider_denials_of(s, SecurityHub::kB, run_id);
  EXPECT_EQ(denied.size(), 1u) << "B's auditor sees one access.denied for the run";
  if (!denied.empty()) {
    const json& e = denied[0];
    EXPECT_EQ(e.value("facility_id", std::string()), SecurityHub::kB) << e.dump();
    EXPECT_EQ(e.value("outcome", std::string()), "denied") << e.dump();
    EXPECT_EQ(e.value("entity_type", std::string()), "workflow_step") << e.dump();
    const json& d = e["detail"];
    EXPECT_EQ(d.value("call", std::string()), want.call) << e.dump();
    EXPECT_EQ(d.value("member", std::string()), want.member) << e.dump();
    EXPECT_EQ(d.value("kind", std::string()), want.kind) << e.dump();
    EXPECT_EQ(d.value("recorded", std::string()), want.recorded) << e.dump();
  }
  EXPECT_TRUE(provider_denials_of(s, SecurityHub::kA, run_id).empty())
      << "B's refusal is B's event";
  return b_id;
}

int effect(const PeerProcess& peer, const std::string& member) {
  return peer_effects(peer).value(member, -1);
}

int operation_count(const PeerProcess& peer, const std::string& operation) {
  json effects = peer_effects(peer);
  if (!effects.contains("requests") || !effects["requests"].contains("byOperation")) return -1;
  return effects["requests"]["byOperation"].value(operation, 0);
}

// The attendees the peer holds in meeting `meeting_id` (null when unknown).
json peer_attendees(const PeerProcess& peer, const std::string& meeting_id) {
  auto meetings = peer.get("/_peer/meetings");
  EXPECT_TRUE(meetings.ok()) << meetings.error().message;
  if (!meetings.ok()) return nullptr;
  for (const auto& m : (*meetings)["meetings"]) {
    if (m.value("MeetingId", std::string()) == meeting_id) return m["attendees"];
  }
  return nullptr;
}

// The output of A's step `step` once it has succeeded (polled, bounded);
// null when it did not within the deadline.
json wait_for_step_output(SecurityHub& s, const std::string& a_id, const std::string& step) {
  HubApiClient a = s.client(SecurityHub::kA, "admin");
  auto until = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer read = a.get("/v1/consultations/" + a_id + "/timeline");
    if (read.status == 200) {
      for (const auto& attempt : attempts_of(read.json, step)) {
        if (attempt.value("status", std::string()) == "succeeded" && attempt.contains("output")) {
          return attempt["output"];
        }
      }
      const std::string status = read.json.value("status", std::string());
      if (status == "failed" || status == "cancelled") break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ADD_FAILURE() << "A's step " << step << " did not succeed: " << s.hub().timeline(a, a_id);
  return nullptr;
}

// B's workflow asks Chime for a join token into A's live meeting.
TEST(ProviderResources, AJoinTokenIntoAnotherFacilitysMeetingIsRefused) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string a_id = s.book(SecurityHub::kA, "sec-01-join-a");
  ASSERT_FALSE(a_id.empty());
  const std::string room = wait_for_room(s, a_id);
  ASSERT_FALSE(room.empty());
  const int attendees_before = effect(s.video_peer(), "attendeesCreated");
  const int calls_before = operation_count(s.video_peer(), "CreateAttendee");

  expect_provider_refused(s, "sec-01-join",
                          probe_workflow("sec-01-join", "video.issue_join_token",
                                         "      room_id: ${trigger.notes}\n"
                                         "      participant:\n"
                                         "        identity: sec-01-intruder\n"
                                         "        display_name: Dr Intruder\n"
                                         "        role: clinician\n"),
                          room, {"video.issue_join_token", "room_id", "room", "other_facility"});

  EXPECT_EQ(effect(s.video_peer(), "attendeesCreated"), attendees_before)
      << "Chime created an attendee for B";
  EXPECT_EQ(operation_count(s.video_peer(), "CreateAttendee"), calls_before)
      << "B's step reached Chime";
  EXPECT_EQ(peer_attendees(s.video_peer(), room), json::array())
      << "A's meeting holds an attendee nobody of A added";
}

// B's workflow binds A's meeting to B's consultation (after which B's
// participants route would issue tokens into it).
TEST(ProviderResources, BindingAnotherFacilitysMeetingToAConsultationIsRefused) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string a_id = s.book(SecurityHub::kA, "sec-01-bind-a");
  ASSERT_FALSE(a_id.empty());
  const std::string room = wait_for_room(s, a_id);
  ASSERT_FALSE(room.empty());
  const int attendees_before = effect(s.video_peer(), "attendeesCreated");

  const std::string b_id =
      expect_provider_refused(s, "sec-01-bind",
                              probe_workflow("sec-01-bind", "hub.set_status",
                                             "      status: waiting_room\n"
                                             "      room_id: ${trigger.notes}\n"),
                              room, {"hub.set_status", "room_id", "room", "other_facility"});
  ASSERT_FALSE(b_id.empty());
  ApiAnswer b = s.client(SecurityHub::kB, "hospital").get("/v1/consultations/" + b_id);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_NE(b.json.value("status", std::string()), "waiting_room") << b.body;
  EXPECT_EQ(b.body.find(room), std::string::npos) << "B's consultation holds A's meeting";
  ApiAnswer a = s.client(SecurityHub::kA, "hospital").get("/v1/consultations/" + a_id);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json.value("video_room_id", std::string()), room) << a.body;
  EXPECT_EQ(effect(s.video_peer(), "attendeesCreated"), attendees_before);
  EXPECT_EQ(peer_attendees(s.video_peer(), room), json::array());
}

// A's session ends and its recording is composed; B's workflow archives
// it (which downloads it into B's archive) by its media id, then by the
// s3:// object of the shared instance's bucket that holds it.
TEST(ProviderResources, ArchivingAnotherFacilitysRecordingIsRefused) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string a_id = s.book(SecurityHub::kA, "sec-01-archive-a");
  ASSERT_FALSE(a_id.empty());
  const std::string room = wait_for_room(s, a_id);
  ASSERT_FALSE(room.empty());
  Session session = admit_participants(s.hub(), a_id);
  ASSERT_EQ(session.meeting_id, room);
  hold_and_end_session(s.video_peer(), session);

  const json composition = wait_for_step_output(s, a_id, "composition");
  ASSERT_TRUE(composition.is_object());
  const std::string media_id = composition.value("provider_id", std::string());
  ASSERT_FALSE(media_id.empty()) << composition.dump();
  // A archives its own recording first: from then on, nothing of A's reads
  // the bucket, and every read is B's.
  ASSERT_TRUE(wait_for_step_output(s, a_id, "archive").is_object());
  std::string object;
  auto objects = s.video_peer().get("/_peer/objects");
  ASSERT_TRUE(objects.ok()) << objects.error().message;
  for (const auto& o : (*objects)["objects"]) {
    const std::string key = o.value("key", std::string());
    if (key.find("composited-video/") != std::string::npos &&
        key.find(media_id) != std::string::npos) {
      object = "s3://" + o.value("bucket", std::string()) + "/" + key;
    }
  }
  ASSERT_FALSE(object.empty()) << "A's composition is not in the bucket: " << objects->dump();
  const int reads_before = operation_count(s.video_peer(), "GetObject");

  const std::string yaml = probe_workflow("sec-01-archive", "hub.archive_recording",
                                          "      media_id: ${trigger.notes}\n"
                                          "      content_type: video/mp4\n");
  for (const auto& [id, recorded] :
       {std::pair<std::string, std::string>{media_id, "other_facility"}, {object, "none"}}) {
    const std::string b_id = expect_provider_refused(
        s, "sec-01-archive", yaml, id, {"hub.archive_recording", "media_id", "media", recorded});
    ASSERT_FALSE(b_id.empty());
    ApiAnswer archived =
        s.client(SecurityHub::kB, "admin").get("/v1/consultations/" + b_id + "/recordings");
    ASSERT_EQ(archived.status, 200) << archived.body;
    EXPECT_TRUE(archived.json.value("items", json::array()).empty())
        << "A's recording was archived as B's: " << archived.body;
  }
  EXPECT_EQ(operation_count(s.video_peer(), "GetObject"), reads_before)
      << "B's step read the bucket";
}

}  // namespace
}  // namespace wasl::testing
