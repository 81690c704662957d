// pattern_video: a test double video plugin for the archive tests. Not shipped.
//
// fetch_media streams a deterministic byte pattern whose length is named by
// the media id: "pattern-<bytes>" (chunks of settings.chunk_size bytes).
// Variants: "short-<bytes>" reports <bytes> but streams one byte less;
// "processing-…" answers kFailedPrecondition, retryable (still composing);
// "broken-…" answers kInvalidArgument (permanent); a media id ending in
// "-release-fails" makes release_media answer kUnavailable.
// create_room answers a room "room-<name>"; request_composition answers
// settings.listed_media as the composition's media id, so a workflow learns
// the media it archives as the hub's own records do.
// list_participants answers kNotFound for settings.ended_rooms (an ended
// meeting, as Chime does), else one connected participant.
// list_participants and release_media append "<method> <id>\n" to
// settings.calls_file, so tests count calls across the plugin boundary.
//
// The byte at plaintext offset i is pattern_byte(i) (see the tests).
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wasl/sdk/plugin.hpp"

namespace {

using namespace wasl::sdk;

inline unsigned char pattern_byte(std::uint64_t i) {
  std::uint64_t x = i * 0x9E3779B97F4A7C15ull;
  return static_cast<unsigned char>((x >> 56) ^ (i >> 16));
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class PatternVideo final : public VideoProvider {
 public:
  explicit PatternVideo(Host& host) : host_(host) {
    const auto& settings = host_.settings();
    calls_file_ = settings.value("calls_file", "");
    chunk_size_ = settings.value("chunk_size", 50000);
    duration_seconds_ = settings.value("duration_seconds", 0);
    listed_media_ = settings.value("listed_media", "");
    no_media_ = settings.value("no_media", false);
    if (settings.contains("ended_rooms")) {
      ended_rooms_ = settings["ended_rooms"].get<std::vector<std::string>>();
    }
  }

  Result<Room> create_room(const CreateRoomRequest& request) override {
    Room room;
    room.provider_room_id = "room-" + request.name;
    room.name = request.name;
    room.status = "in_progress";
    return room;
  }
  Result<Room> end_room(const RoomRef&) override { return unsupported(); }
  Result<JoinToken> issue_join_token(const JoinTokenRequest&) override { return unsupported(); }
  Result<std::vector<Participant>> list_participants(const RoomRef& room) override {
    record("list_participants " + room.room_id);
    for (const auto& ended : ended_rooms_) {
      if (ended == room.room_id) {
        return Error(ErrorCode::kNotFound, "the meeting " + room.room_id + " has ended", false);
      }
    }
    Participant p;
    p.identity = "clinician-1";
    p.status = "connected";
    return std::vector<Participant>{p};
  }
  Status remove_participant(const ParticipantRef&) override { return unsupported(); }
  Result<Recording> start_recording(const RoomRef&) override { return unsupported(); }
  Status stop_recording(const RoomRef&) override { return unsupported(); }
  // settings.listed_media (if set) with settings.duration_seconds; with
  // settings.no_media, a composition failed because nothing was recorded.
  Result<std::vector<Recording>> list_recordings(const RoomRef& room) override {
    std::vector<Recording> out;
    if (!listed_media_.empty()) {
      Recording r;
      r.provider_id = listed_media_;
      r.room_id = room.room_id;
      r.kind = "composition";
      r.status = "completed";
      r.content_type = "video/mp4";
      r.duration_seconds = duration_seconds_;
      if (no_media_) {
        r.status = "failed";
        r.raw = {{"no_media", true}, {"error", "the room recorded no media"}};
      }
      out.push_back(r);
    }
    return out;
  }
  Result<Recording> request_composition(const CompositionRequest& request) override {
    if (listed_media_.empty()) return unsupported();
    Recording r;
    r.provider_id = listed_media_;
    r.room_id = request.room_id;
    r.kind = "composition";
    r.status = "enqueued";
    r.content_type = "video/mp4";
    return r;
  }

  Result<MediaInfo> fetch_media(const MediaRef& media, const ChunkSink& sink) override {
    const std::string& id = media.media_id;
    if (starts_with(id, "processing-")) {
      return Error(ErrorCode::kFailedPrecondition, "the composition is still processing", true,
                   std::chrono::milliseconds(10));
    }
    if (starts_with(id, "broken-")) {
      return Error(ErrorCode::kInvalidArgument, "the media id is not known", false);
    }
    bool short_body = starts_with(id, "short-");
    std::string digits = id.substr(id.find('-') + 1);
    digits = digits.substr(0, digits.find('-'));
    std::uint64_t size = std::stoull(digits);
    std::uint64_t send = short_body && size > 0 ? size - 1 : size;
    std::string chunk(chunk_size_, '\0');
    for (std::uint64_t at = 0; at < send;) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size_, send - at));
      for (std::size_t k = 0; k < n; ++k) chunk[k] = static_cast<char>(pattern_byte(at + k));
      Status written = sink(std::string_view(chunk.data(), n));
      if (!written.ok()) return written.error();
      at += n;
    }
    return MediaInfo{"video/mp4", static_cast<std::int64_t>(size)};
  }

  Status release_media(const MediaRef& media) override {
    record("release_media " + media.media_id);
    if (ends_with(media.media_id, "-release-fails")) {
      return Error(ErrorCode::kUnavailable, "the provider is down", true);
    }
    return {};
  }

 private:
  Error unsupported() {
    return Error(ErrorCode::kUnimplemented, "pattern_video does not do this", false);
  }
  void record(const std::string& line) {
    if (calls_file_.empty()) return;
    std::lock_guard lock(mutex_);
    std::ofstream out(calls_file_, std::ios::app);
    out << line << "\n";
  }

  Host& host_;
  std::string calls_file_;
  std::size_t chunk_size_ = 50000;
  std::int64_t duration_seconds_ = 0;
  std::string listed_media_;
  bool no_media_ = false;
  std::vector<std::string> ended_rooms_;
  std::mutex mutex_;
};

Status register_pattern_video(PluginDefinition& plugin) {
  plugin.name = "pattern_video";
  plugin.version = "1.0.0";
  plugin.description = "Streams a deterministic byte pattern; a test double for the archive.";
  plugin.video = make_factory<VideoProvider, PatternVideo>();
  return {};
}

}  // namespace

WASL_PLUGIN(register_pattern_video)
