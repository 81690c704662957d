// The Chime side of the consultation end-to-end tests: the Chime peer
// (tests/peers/chime) as a child process, the Chime plugin's instance
// pointed at it, and the session driven through the peer's control API as
// the clients and Chime would. A test double's tool: never shipped.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/consultation/consultation_hub.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {

inline constexpr char kBucketArn[] = "arn:aws:s3:::wasl-recordings";

// Starts the peer; a meeting with nobody connected ends after idle_end_ms.
// Null (with a test failure) when it did not start.
std::unique_ptr<PeerProcess> start_peer(int idle_end_ms);

// video.chime-main, the Chime plugin against the peer.
VideoBinding chime_binding(const PeerProcess& peer);

// Points the peer's EventBridge sender at the hub (again after a restart).
void send_events_to(PeerProcess& peer, const ConsultationHub& hub);

// The peer's effect counters, and a bounded wait for one to reach `value`.
nlohmann::json peer_effects(const PeerProcess& peer);
bool wait_for_effect(const PeerProcess& peer, const std::string& member, int value,
                     std::chrono::milliseconds deadline);

// Polls until the concatenation's file exists and the peer has delivered its
// end to the hub (bounded).
bool wait_for_composition_delivered(const PeerProcess& peer, std::chrono::milliseconds deadline);

struct Session {
  std::string meeting_id;              // the meeting the participants joined
  std::vector<std::string> attendees;  // their Chime AttendeeIds
};

// Adds a doctor (admitted at once) and a patient (admitted by the
// clinician), each with a Chime join token, as the hospital would.
Session admit_participants(ConsultationHub& hub, const std::string& id);

// Everyone joins, talks for a second (the events' times say so), and the
// meeting ends (as Chime would report it).
void hold_and_end_session(PeerProcess& peer, const Session& session);

}  // namespace wasl::testing
