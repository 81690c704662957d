// A working plugin for the loader's tests: a VideoProvider that answers from
// its settings and its host, and a WebhookVerifier. start_recording throws on
// purpose (the glue must turn it into an Error naming plugin and method).
#include <memory>
#include <stdexcept>
#include <string>

#include "wasl/sdk/plugin.hpp"

namespace {

using namespace wasl::sdk;

class EchoVideo final : public VideoProvider {
 public:
  explicit EchoVideo(Host& host) : host_(host) {}

  Result<Room> create_room(const CreateRoomRequest& request) override {
    WASL_ASSIGN_OR_RETURN(auto earlier, host_.state_get("room:" + request.idempotency_key));
    if (earlier) return earlier->get<Room>();
    Room room;
    room.provider_room_id = "RM-" + request.idempotency_key;
    room.name = request.name;
    room.status = "in_progress";
    room.participant_limit = request.participant_limit > 0
                                 ? request.participant_limit
                                 : host_.settings().value("participant_limit", 0);
    room.recording = request.recording;
    room.created_at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch())
            .count();
    room.raw = {{"region", host_.settings().value("region", "")}};
    if (host_.settings().contains("tls")) room.raw["settings_have_tls"] = true;
    if (auto certificate = host_.client_certificate(); certificate.ok()) {
      room.raw["client_certificate"] = certificate->subject;
    }
    WASL_RETURN_IF_ERROR(host_.state_put("room:" + request.idempotency_key, room));
    host_.log(LogLevel::kInfo, "created room " + room.provider_room_id);
    return room;
  }
  Result<Room> end_room(const RoomRef& room) override {
    return Error(ErrorCode::kNotFound, "no room " + room.room_id);
  }
  Result<JoinToken> issue_join_token(const JoinTokenRequest& request) override {
    WASL_ASSIGN_OR_RETURN(std::string key, host_.secret("signing_key"));
    host_.log(LogLevel::kInfo, "signing with " + key);
    JoinToken token;
    token.token = request.participant.identity + ":" + key;
    token.provider_participant_id = "PA-" + request.participant.identity;
    return token;
  }
  Result<std::vector<Participant>> list_participants(const RoomRef&) override {
    return Error(ErrorCode::kUnavailable, "the provider is down", true,
                 std::chrono::milliseconds(1500));
  }
  Status remove_participant(const ParticipantRef&) override { return {}; }
  Result<Recording> start_recording(const RoomRef&) override { throw std::runtime_error("boom"); }
  Status stop_recording(const RoomRef&) override { return {}; }
  Result<std::vector<Recording>> list_recordings(const RoomRef& room) override {
    Recording r;
    r.provider_id = "RT-1";
    r.room_id = room.room_id;
    r.kind = "video";
    return std::vector<Recording>{r};
  }
  Result<Recording> request_composition(const CompositionRequest&) override {
    return Error(ErrorCode::kUnimplemented, "no compositions here");
  }
  Result<MediaInfo> fetch_media(const MediaRef& media, const ChunkSink& sink) override {
    const std::string bytes = host_.settings().value("media", "");
    const std::size_t step = host_.settings().value("chunk_size", 3);
    for (std::size_t at = 0; at < bytes.size(); at += step) {
      WASL_RETURN_IF_ERROR(sink(std::string_view(bytes).substr(at, step)));
    }
    return MediaInfo{"application/octet-stream", static_cast<std::int64_t>(bytes.size())};
  }

 private:
  Host& host_;
};

class EchoWebhook final : public WebhookVerifier {
 public:
  explicit EchoWebhook(Host& /*host*/) {}
  Result<std::vector<Event>> verify(const WebhookRequest& request) override {
    for (const auto& [k, v] : request.headers) {
      if (k == "X-Echo-Signature" && v == "ok") {
        Event e;
        e.type = "room.ended";
        e.dedupe_key = request.body;
        e.payload = nlohmann::json::parse(request.body, nullptr, false);
        return std::vector<Event>{e};
      }
    }
    return Error(ErrorCode::kUnauthenticated, "the signature does not match");
  }
};

Status register_echo(PluginDefinition& plugin) {
  plugin.name = "echo";
  plugin.version = "0.3.0";
  plugin.description = "Answers from its settings; for the loader's tests.";
  plugin.video = [](Host& host) -> Result<std::unique_ptr<VideoProvider>> {
    if (host.settings().value("region", "") == "") {
      return Error(ErrorCode::kInvalidArgument, "region is empty");
    }
    return std::unique_ptr<VideoProvider>(std::make_unique<EchoVideo>(host));
  };
  plugin.webhook = make_factory<WebhookVerifier, EchoWebhook>();
  return {};
}

}  // namespace

WASL_PLUGIN(register_echo)
