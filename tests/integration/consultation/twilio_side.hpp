// TwilioSide: the Twilio end of an end-to-end consultation — the emulator
// (tests/peers/twilio, src/main.js) as a child process, the plugin instance
// bound to it, and the session driven through the emulator's control API.
// A test double's tool: never shipped.
//
// Twilio signs every status callback over the exact StatusCallback URL, so the
// hub must listen on a port chosen before it starts
// (ConsultationHubOptions::port) and the instance's status_callback_url names
// that port; binding(port) writes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/consultation/consultation_hub.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {

class TwilioSide {
 public:
  static constexpr const char* kInstance = "video.twilio-main";

  // Starts the emulator (compositions complete after 200 ms; `media_bytes`
  // per composition); nullptr with a test failure when it does not start.
  static std::unique_ptr<TwilioSide> start(int media_bytes = 400000);

  // The plugin instance for a hub listening on 127.0.0.1:`hub_port`.
  VideoBinding binding(int hub_port) const;

  // The control API; a transport failure or non-2xx answer is a test failure
  // and answers null.
  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;

  nlohmann::json effects() const { return get("/_peer/effects"); }

  // Every callback of `event` the emulator published (each with its deliveries).
  std::vector<nlohmann::json> callbacks(const std::string& event) const;

  // Whether the npm twilio/jsonwebtoken checks accept `token` for `identity`
  // in `room`; the checker's reason otherwise.
  bool token_accepted(const std::string& token, const std::string& identity,
                      const std::string& room, std::string& reason) const;

  // Participants connect to `room` under their identities.
  void join(const std::string& room, const std::vector<std::string>& identities) const;
  // A participant connects to `room` with the access token the hub issued, as
  // a Twilio SDK does (the emulator checks it: signature, expiry, room);
  // answers the identity it joined as, empty (with a test failure) when refused.
  std::string join_with_token(const std::string& room, const std::string& token) const;
  // The identities connected to `room` now, as the emulator holds them.
  std::vector<std::string> connected(const std::string& room) const;
  // The room ends at Twilio (everyone disconnected, recordings completed).
  void end(const std::string& room) const;

  // The room's one composition: its SID, size and SHA-256 as the emulator
  // serves it; empty SID (with a test failure) when there is not exactly one.
  struct Media {
    std::string sid;
    std::int64_t size = 0;
    std::string sha256;
  };
  Media composition_of(const std::string& room) const;

 private:
  explicit TwilioSide(std::unique_ptr<PeerProcess> peer) : peer_(std::move(peer)) {}

  std::unique_ptr<PeerProcess> peer_;
};

}  // namespace wasl::testing
