#include "tests/integration/consultation/twilio_side.hpp"

#include <gtest/gtest.h>

#include <set>

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The emulator's default credentials (tests/peers/twilio/README.md).
constexpr char kAccountSid[] = "AC00000000000000000000000000000000";
constexpr char kApiKeySid[] = "SK00000000000000000000000000000000";
constexpr char kApiKeySecret[] = "wasl-test-api-key-secret";
constexpr char kAuthToken[] = "wasl-test-auth-token";

}  // namespace

std::unique_ptr<TwilioSide> TwilioSide::start(int media_bytes) {
  PeerOptions options;
  options.args = {"--composition-ms", "200", "--media-bytes", std::to_string(media_bytes)};
  options.start_deadline = 60s;
  auto peer = PeerProcess::start("twilio", options);
  EXPECT_TRUE(peer.ok()) << peer.error().message;
  if (!peer.ok()) return nullptr;
  return std::unique_ptr<TwilioSide>(new TwilioSide(std::move(peer).value()));
}

VideoBinding TwilioSide::binding(int hub_port) const {
  VideoBinding video;
  video.plugin = "twilio";
  video.file = WASL_TWILIO_PLUGIN_FILE;
  video.instance = kInstance;
  const std::string webhook =
      "http://127.0.0.1:" + std::to_string(hub_port) + "/v1/webhooks/" + kInstance;
  video.settings = json::object();
  video.settings["account_sid"] = kAccountSid;
  video.settings["api_key_sid"] = kApiKeySid;
  video.settings["api_key_secret"] = kApiKeySecret;
  video.settings["auth_token"] = kAuthToken;
  video.settings["base_url"] = peer_->url();
  video.settings["status_callback_url"] = webhook;
  // The workflow polls a composition that is still processing this often.
  video.settings["composition"] = {{"poll_interval_ms", 200}};
  return video;
}

json TwilioSide::get(const std::string& path) const {
  auto answer = peer_->get(path);
  EXPECT_TRUE(answer.ok()) << "GET " << path << ": " << answer.error().message;
  return answer.ok() ? *answer : json();
}

json TwilioSide::post(const std::string& path, const json& body) const {
  auto answer = peer_->post(path, body);
  EXPECT_TRUE(answer.ok()) << "POST " << path << ": " << answer.error().message;
  return answer.ok() ? *answer : json();
}

std::vector<json> TwilioSide::callbacks(const std::string& event) const {
  std::vector<json> out;
  json all = get("/_peer/callbacks");
  if (!all.is_object()) return out;
  for (const auto& c : all["callbacks"]) {
    if (c.value("event", std::string()) == event) out.push_back(c);
  }
  return out;
}

bool TwilioSide::token_accepted(const std::string& token, const std::string& identity,
                                const std::string& room, std::string& reason) const {
  json verdict =
      post("/_peer/check-token", {{"token", token}, {"identity", identity}, {"room", room}});
  reason = verdict.is_object() ? verdict.dump() : "no answer";
  return verdict.is_object() && verdict.value("valid", false);
}

void TwilioSide::join(const std::string& room, const std::vector<std::string>& identities) const {
  json actions = json::array();
  for (const auto& identity : identities) {
    actions.push_back({{"type", "join"}, {"identity", identity}});
  }
  post("/_peer/rooms/" + room + "/simulate", {{"actions", actions}});
}

std::string TwilioSide::join_with_token(const std::string& room, const std::string& token) const {
  json answer = post("/_peer/rooms/" + room + "/simulate", {{"type", "join"}, {"token", token}});
  if (!answer.is_object() || !answer["results"].is_array() || answer["results"].empty()) return {};
  return answer["results"][0].value("identity", std::string());
}

std::vector<std::string> TwilioSide::connected(const std::string& room) const {
  std::vector<std::string> out;
  json rooms = get("/_peer/rooms");
  if (!rooms.is_object()) return out;
  for (const auto& r : rooms.value("rooms", json::array())) {
    if (r.value("sid", std::string()) != room) continue;
    for (const auto& p : r.value("participants", json::array())) {
      if (p.value("status", std::string()) == "connected") {
        out.push_back(p.value("identity", std::string()));
      }
    }
  }
  return out;
}

void TwilioSide::end(const std::string& room) const {
  post("/_peer/rooms/" + room + "/simulate", {{"type", "end"}});
}

TwilioSide::Media TwilioSide::composition_of(const std::string& room) const {
  std::set<std::string> sids;
  for (const std::string event : {"composition-enqueued", "composition-available"}) {
    for (const auto& c : callbacks(event)) {
      if (c["params"].value("RoomSid", std::string()) == room) {
        sids.insert(c["params"].value("CompositionSid", std::string()));
      }
    }
  }
  Media media;
  if (sids.size() != 1) {
    ADD_FAILURE() << "room " << room << " has " << sids.size() << " compositions";
    return media;
  }
  media.sid = *sids.begin();
  json digest = get("/_peer/media-digest?kind=compositions&sid=" + media.sid);
  if (digest.is_object()) {
    media.size = digest.value("size", std::int64_t{0});
    media.sha256 = digest.value("sha256", std::string());
  }
  return media;
}

}  // namespace wasl::testing
