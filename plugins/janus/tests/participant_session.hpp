// ParticipantSession: what a participant's client does with its join token,
// over Janus's HTTP API: create a session and attach to the VideoRoom with
// the token (Janus's token_auth), then `join` the room as a publisher with
// the same token (the room's allowed list) and wait, by long poll with a
// deadline, for the VideoRoom's answer. A test double: never shipped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/host.hpp"

namespace wasl::plugins::janus::testing {

struct JoinOutcome {
  int core_error = 0;         // Janus's error code when the session or handle was refused
  std::string videoroom;      // "joined", or "event" with error_code
  int videoroom_error = 0;    // the VideoRoom's error_code (433: not in the allowed list)
  std::uint64_t feed_id = 0;  // the id Janus joined the participant with
};

class ParticipantSession {
 public:
  ParticipantSession(sdk::Host& host, std::string api_url, std::string token)
      : host_(host), api_url_(std::move(api_url)), token_(std::move(token)) {}
  ~ParticipantSession() { leave(); }
  ParticipantSession(const ParticipantSession&) = delete;
  ParticipantSession& operator=(const ParticipantSession&) = delete;

  // Opens a session, attaches and joins `room` as publisher `feed_id`.
  JoinOutcome join(std::uint64_t room, std::uint64_t feed_id,
                   std::chrono::milliseconds deadline = std::chrono::seconds(10));

  // Destroys the session (Janus then reports the participant leaving).
  void leave();

 private:
  nlohmann::json post(const std::string& url, nlohmann::json body);

  sdk::Host& host_;
  std::string api_url_;
  std::string token_;
  std::uint64_t session_ = 0;
  std::uint64_t handle_ = 0;
};

inline nlohmann::json ParticipantSession::post(const std::string& url, nlohmann::json body) {
  body["transaction"] =
      "t" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  body["token"] = token_;
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body.dump();
  auto response = host_.http(request);
  if (!response.ok()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  return parsed.is_object() ? parsed : nlohmann::json::object();
}

inline JoinOutcome ParticipantSession::join(std::uint64_t room, std::uint64_t feed_id,
                                            std::chrono::milliseconds deadline) {
  JoinOutcome outcome;
  auto core_error = [](const nlohmann::json& answer) {
    if (answer.value("janus", "") == "error") {
      return answer.value("/error/code"_json_pointer, 0);
    }
    return answer.contains("data") ? 0 : -1;
  };
  nlohmann::json created = post(api_url_, {{"janus", "create"}});
  if ((outcome.core_error = core_error(created)) != 0) return outcome;
  session_ = created["data"]["id"].get<std::uint64_t>();
  nlohmann::json attached = post(api_url_ + "/" + std::to_string(session_),
                                 {{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}});
  if ((outcome.core_error = core_error(attached)) != 0) return outcome;
  handle_ = attached["data"]["id"].get<std::uint64_t>();
  nlohmann::json body = {{"request", "join"}, {"ptype", "publisher"}, {"room", room},
                         {"id", feed_id},     {"display", "test"},    {"token", token_}};
  nlohmann::json ack =
      post(api_url_ + "/" + std::to_string(session_) + "/" + std::to_string(handle_),
           {{"janus", "message"}, {"body", body}});
  const std::string transaction = ack.value("transaction", "");
  if (ack.value("janus", "") == "error") {
    outcome.core_error = ack.value("/error/code"_json_pointer, -1);
    return outcome;
  }
  // The answer arrives as an event on the session's long poll.
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    sdk::HttpRequest poll;
    poll.url = api_url_ + "/" + std::to_string(session_) + "?maxev=10&token=" + token_;
    poll.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now() + std::chrono::seconds(1));
    auto response = host_.http(poll);
    if (!response.ok()) continue;
    auto events = nlohmann::json::parse(response->body, nullptr, false);
    if (events.is_object()) events = nlohmann::json::array({events});
    if (!events.is_array()) continue;
    for (const auto& event : events) {
      if (event.value("transaction", "") != transaction) continue;
      const auto& data = event["plugindata"]["data"];
      outcome.videoroom = data.value("videoroom", "");
      outcome.videoroom_error = data.value("error_code", 0);
      outcome.feed_id = data.value("id", std::uint64_t{0});
      return outcome;
    }
  }
  outcome.videoroom = "timeout";
  return outcome;
}

inline void ParticipantSession::leave() {
  if (session_ == 0) return;
  post(api_url_ + "/" + std::to_string(session_), {{"janus", "destroy"}});
  session_ = 0;
  handle_ = 0;
}

}  // namespace wasl::plugins::janus::testing
