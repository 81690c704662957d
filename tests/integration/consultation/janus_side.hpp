// The Janus side of the consultation end-to-end tests: a real Janus of the
// test's own (scripts/test-janus, so it can be restarted mid-room without
// touching the shared ctest fixture) whose sampleevh event handler posts to
// the hub's POST /v1/webhooks/video.janus-main, the Janus plugin's instance
// pointed at it, and the participants' clients over Janus's HTTP API
// (ParticipantSession, as the plugin's own tests use it), or, for a room
// whose media must be recorded, the doctor in a Chromium of tests/janus_browser.
// A test double's tool: never shipped.
//
// Janus's handler posts to a URL written into its configuration when it
// starts, so the hub must listen on a port chosen before (ConsultationHubOptions
// ::port = free_loopback_port(), kept across the hub's restarts):
//   const int port = free_loopback_port();
//   auto janus = JanusSide::start(janus_events_url(port));
//   ConsultationHubOptions options;
//   options.port = port;
//   ConsultationHub hub(janus->binding(), options);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/janus/tests/janus_server.hpp"
#include "plugins/janus/tests/participant_session.hpp"
#include "tests/integration/consultation/consultation_hub.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {

// The hub's webhook for the Janus instance when it listens on `port`.
std::string janus_events_url(int port);

class JanusSide {
 public:
  static constexpr const char* kInstance = "video.janus-main";

  // Starts Janus (scripts/test-janus start) posting its events to
  // `events_url`; null (with a test failure) when it did not start.
  static std::unique_ptr<JanusSide> start(const std::string& events_url);
  ~JanusSide();  // scripts/test-janus stop
  JanusSide(const JanusSide&) = delete;
  JanusSide& operator=(const JanusSide&) = delete;

  // The plugin instance against this Janus.
  VideoBinding binding() const;
  const plugins::janus::testing::JanusServer& server() const { return server_; }
  // An HTTP client for the participants' sessions and the admin API.
  sdk::Host& client() { return client_; }

  // Janus stopped by its pid (SIGKILL) and started again on the same
  // configuration, ports and secrets (scripts/test-janus restart): the
  // rooms it held are gone. False (with a test failure) when it did not
  // answer again.
  bool restart();
  // The pid of the running Janus.
  int pid() const;

  // The VideoRoom rooms Janus holds now (admin API `list` with the admin
  // key); nothing (with a test failure) when it cannot be asked.
  std::vector<std::uint64_t> rooms();

 private:
  JanusSide() = default;
  TempDir dir_;
  plugins::janus::testing::JanusServer server_;
  LoopbackHost client_;
};

// A participant's client in the room: the hub's participant and the join
// its API answered, and the session joined with it.
struct JanusParticipant {
  std::string id;
  std::string role;
  nlohmann::json join;  // the "join" member the hub answered
  std::unique_ptr<plugins::janus::testing::ParticipantSession> session;
};

struct JanusRoom {
  std::string room_id;  // the provider room id the hub recorded (Janus's room number)
  std::vector<JanusParticipant> joined;
};

// Joins `join` (the hub's answer) as a publisher with its token and feed;
// the outcome (videoroom "joined", or error_code 433 while not admitted).
plugins::janus::testing::JoinOutcome join_room(
    sdk::Host& client, const nlohmann::json& join,
    std::unique_ptr<plugins::janus::testing::ParticipantSession>& session);

// The doctor publishing real media: a Chromium of tests/janus_browser (fake
// camera and microphone, janus.js) joins with her token and feed and
// publishes for `seconds` once the media flows, so Janus records her
// (.mjr files). The peer is stopped by its pid with this object.
struct JanusPublisher {
  std::unique_ptr<PeerProcess> peer;
  int seconds = 0;
};

// The doctor added by her clinician key (admitted, with a token) joins
// (through `publisher` when given, waiting until her media flows; else over
// the HTTP API without media); the patient added by the hospital waits with
// a token Janus refuses (433) until a clinician admits her through the hub,
// and then joins with that same token. Failures are test failures.
// Idempotency keys derive from `id`.
JanusRoom admit_and_join(ConsultationHub& hub, JanusSide& janus, const std::string& id,
                         JanusPublisher* publisher = nullptr);

// Polls the publisher's status until it has finished publishing (bounded
// by `deadline`); its last status ({"state": "done", "published_ms", …}).
nlohmann::json wait_for_publication(const JanusPublisher& publisher,
                                    std::chrono::milliseconds deadline);

// Polls the consultation's timeline until its attendance holds `joins`
// joins (the Janus events reached the hub); whether it did within `deadline`.
bool wait_for_joins(const ConsultationHub& hub, const HubApiClient& api, const std::string& id,
                    int joins, std::chrono::milliseconds deadline);

}  // namespace wasl::testing
