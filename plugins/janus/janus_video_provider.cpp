#include "plugins/janus/janus_video_provider.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include "plugins/janus/recording_converter.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/random.hpp"

namespace wasl::plugins::janus {
namespace {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;
using wasl::sdk::Status;

constexpr std::uint64_t kIdMask = (std::uint64_t{1} << 53) - 1;
constexpr const char* kVideoRoomPlugin = "janus.plugin.videoroom";
constexpr const char* kTokenIndexKey = "tokens";

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

std::uint64_t id_from_digest(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1 || size < 8) {
    return 1;
  }
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | digest[i];
  value &= kIdMask;
  return value == 0 ? 1 : value;
}

// The room id a RoomRef names: decimal digits only.
Result<std::uint64_t> parse_room_id(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > kIdMask) {
    return invalid("the request names no Janus room (room_id must be a VideoRoom room number)");
  }
  return value;
}

std::string room_key(std::uint64_t room_id) { return "room:" + std::to_string(room_id); }

std::int64_t int_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

bool bool_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// An admin answer's failure, unless Janus's code is one of `fine`.
Status unless(const AdminAnswer& answer, std::initializer_list<int> fine) {
  if (answer.ok) return {};
  if (answer.failure.janus_code != 0 &&
      std::find(fine.begin(), fine.end(), answer.failure.janus_code) != fine.end()) {
    return {};
  }
  return answer.failure.error;
}

Error state_failure(const Error& error, std::string_view what) {
  return Error(error.code,
               "the Janus plugin's state could not be " + std::string(what) + ": " + error.message,
               error.retryable);
}

}  // namespace

std::uint64_t room_id_for_key(std::string_view idempotency_key) {
  return id_from_digest("wasl-janus-room\n" + std::string(idempotency_key));
}

std::uint64_t feed_id_for(std::uint64_t room_id, std::string_view identity, int generation) {
  return id_from_digest("wasl-janus-feed\n" + std::to_string(room_id) + "\n" +
                        std::string(identity) + "\n" + std::to_string(generation));
}

JanusVideoProvider::JanusVideoProvider(wasl::sdk::Host& host, JanusSettings settings)
    : host_(host), settings_(std::move(settings)), admin_(host_, settings_) {}

std::int64_t JanusVideoProvider::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch())
      .count();
}

Result<json> JanusVideoProvider::load_room(std::uint64_t room_id) {
  auto value = host_.state_get(room_key(room_id));
  if (!value.ok()) return state_failure(value.error(), "read");
  if (!value->has_value() || !(*value)->is_object()) {
    return Error(ErrorCode::kNotFound,
                 "Janus room " + std::to_string(room_id) + " was not created by this instance",
                 false);
  }
  return std::move(**value);
}

Status JanusVideoProvider::store_room(std::uint64_t room_id, const json& room) {
  auto stored = host_.state_put(room_key(room_id), room);
  if (!stored.ok()) return state_failure(stored.error(), "written");
  return {};
}

Status JanusVideoProvider::index_token(std::uint64_t room_id, const std::string& identity,
                                       std::int64_t expires_at_ms) {
  auto value = host_.state_get(kTokenIndexKey);
  if (!value.ok()) return state_failure(value.error(), "read");
  json index = value->has_value() && (*value)->is_array() ? **value : json::array();
  index.push_back({{"room", room_id}, {"identity", identity}, {"expires_at_ms", expires_at_ms}});
  auto stored = host_.state_put(kTokenIndexKey, index);
  if (!stored.ok()) return state_failure(stored.error(), "written");
  return {};
}

Status JanusVideoProvider::revoke(std::uint64_t room_id, const json& room,
                                  const std::string& token) {
  if (int_of(room, "ended_at_ms") == 0) {
    AdminAnswer removed = admin_.videoroom({{"request", "allowed"},
                                            {"room", room_id},
                                            {"secret", sdk::string_member(room, "secret")},
                                            {"action", "remove"},
                                            {"allowed", json::array({token})}});
    WASL_RETURN_IF_ERROR(unless(removed, {kRoomNoSuchRoom}));
  }
  AdminAnswer gone = admin_.core("remove_token", {{"token", token}});
  return unless(gone, {kJanusTokenNotFound});
}

Status JanusVideoProvider::sweep_expired() {
  std::lock_guard lock(mutex_);
  return sweep_locked();
}

Status JanusVideoProvider::sweep_locked() {
  auto value = host_.state_get(kTokenIndexKey);
  if (!value.ok()) return state_failure(value.error(), "read");
  if (!value->has_value() || !(*value)->is_array() || (*value)->empty()) return {};
  const json index = **value;
  const std::int64_t now = now_ms();
  json kept = json::array();
  Status outcome;
  for (const json& entry : index) {
    if (!entry.is_object()) continue;
    const std::uint64_t room_id = entry.value("room", std::uint64_t{0});
    const std::string identity = sdk::string_member(entry, "identity");
    if (int_of(entry, "expires_at_ms") > now) {
      kept.push_back(entry);
      continue;
    }
    auto room = load_room(room_id);
    if (!room.ok()) {
      if (room.error().code != ErrorCode::kNotFound) {
        kept.push_back(entry);
        outcome = room.error();
      }
      continue;
    }
    json& participants = (*room)["participants"];
    auto it = participants.find(identity);
    if (it == participants.end() || bool_of(*it, "removed") || int_of(*it, "expires_at_ms") > now) {
      continue;  // revoked already, or replaced by a newer token with its own entry
    }
    Status revoked = revoke(room_id, *room, sdk::string_member(*it, "token"));
    if (!revoked.ok()) {
      kept.push_back(entry);
      outcome = revoked;
      continue;
    }
    (*it)["removed"] = true;
    (*it)["expired"] = true;
    Status stored = store_room(room_id, *room);
    if (!stored.ok()) {
      kept.push_back(entry);
      outcome = stored;
    }
  }
  if (kept.size() != index.size()) {
    auto stored = host_.state_put(kTokenIndexKey, kept);
    if (!stored.ok()) return state_failure(stored.error(), "written");
  }
  if (!outcome.ok()) {
    host_.log(wasl::sdk::LogLevel::kWarn,
              "expired Janus tokens could not all be removed yet: " + outcome.error().message);
  }
  return outcome;
}

wasl::sdk::Room JanusVideoProvider::room_answer(std::uint64_t room_id, const json& room) const {
  wasl::sdk::Room out;
  out.provider_room_id = std::to_string(room_id);
  out.name = sdk::string_member(room, "name");
  out.participant_limit = static_cast<int>(int_of(room, "participant_limit"));
  out.recording = bool_of(room, "recording");
  out.created_at_ms = int_of(room, "created_at_ms");
  out.ended_at_ms = int_of(room, "ended_at_ms");
  out.status = out.ended_at_ms == 0 ? "in_progress" : "completed";
  out.raw = {{"api_url", settings_.api_url},
             {"plugin", kVideoRoomPlugin},
             {"room", room_id},
             {"recording_folder", sdk::string_member(room, "rec_dir")}};
  return out;
}

Result<wasl::sdk::Room> JanusVideoProvider::create_room(
    const wasl::sdk::CreateRoomRequest& request) {
  if (request.idempotency_key.empty()) {
    return invalid("create_room needs an idempotency key (the room id is derived from it)");
  }
  if (request.participant_limit < 1) return invalid("participant_limit must be at least 1");
  std::lock_guard lock(mutex_);
  (void)sweep_locked();  // logged; a room may still be made
  const std::uint64_t room_id = room_id_for_key(request.idempotency_key);
  auto loaded = load_room(room_id);
  json room;
  if (loaded.ok()) {
    room = std::move(loaded).value();
    if (sdk::string_member(room, "key") != request.idempotency_key) {
      return Error(ErrorCode::kAlreadyExists,
                   "Janus room " + std::to_string(room_id) +
                       " belongs to another idempotency key (a hash collision)",
                   false);
    }
    if (int_of(room, "ended_at_ms") != 0) return room_answer(room_id, room);
  } else if (loaded.error().code != ErrorCode::kNotFound) {
    return loaded.error();
  } else {
    // The room's secret is kept before Janus is asked, so that a crash
    // between the two cannot leave a room nobody can manage.
    WASL_ASSIGN_OR_RETURN(std::string secret, wasl::sdk::random_hex(24));
    room = {{"key", request.idempotency_key},
            {"name", request.name},
            {"secret", secret},
            {"rec_dir", settings_.recording_root + "/" + std::to_string(room_id)},
            {"participant_limit", request.participant_limit},
            {"recording", request.recording},
            {"created_at_ms", now_ms()},
            {"ended_at_ms", 0},
            {"participants", json::object()}};
    WASL_RETURN_IF_ERROR(store_room(room_id, room));
  }

  AdminAnswer exists = admin_.videoroom({{"request", "exists"}, {"room", room_id}});
  if (!exists.ok) return exists.failure.error;
  if (bool_of(exists.document, "exists")) return room_answer(room_id, room);

  AdminAnswer created = admin_.videoroom({{"request", "create"},
                                          {"room", room_id},
                                          {"admin_key", settings_.room_admin_key},
                                          {"description", "wasl " + std::to_string(room_id)},
                                          {"secret", sdk::string_member(room, "secret")},
                                          {"is_private", true},
                                          {"publishers", int_of(room, "participant_limit")},
                                          {"audiocodec", "opus"},
                                          {"videocodec", "vp8"},
                                          {"record", bool_of(room, "recording")},
                                          {"rec_dir", sdk::string_member(room, "rec_dir")},
                                          {"allowed", json::array()},
                                          {"permanent", false}});
  WASL_RETURN_IF_ERROR(unless(created, {kRoomExists}));
  return room_answer(room_id, room);
}

Result<wasl::sdk::Room> JanusVideoProvider::end_room(const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  std::lock_guard lock(mutex_);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  if (int_of(room, "ended_at_ms") != 0) return room_answer(room_id, room);
  AdminAnswer destroyed = admin_.videoroom({{"request", "destroy"},
                                            {"room", room_id},
                                            {"secret", sdk::string_member(room, "secret")},
                                            {"permanent", false}});
  WASL_RETURN_IF_ERROR(unless(destroyed, {kRoomNoSuchRoom}));
  room["ended_at_ms"] = now_ms();
  for (auto& [identity, participant] : room["participants"].items()) {
    if (bool_of(participant, "removed")) continue;
    AdminAnswer gone =
        admin_.core("remove_token", {{"token", sdk::string_member(participant, "token")}});
    WASL_RETURN_IF_ERROR(unless(gone, {kJanusTokenNotFound}));
    participant["removed"] = true;
  }
  WASL_RETURN_IF_ERROR(store_room(room_id, room));
  return room_answer(room_id, room);
}

Result<wasl::sdk::JoinToken> JanusVideoProvider::issue_join_token(
    const wasl::sdk::JoinTokenRequest& request) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(request.room_id));
  const std::string& identity = request.participant.identity;
  if (identity.empty()) return invalid("the join token request names no participant identity");
  std::lock_guard lock(mutex_);
  (void)sweep_locked();
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  if (int_of(room, "ended_at_ms") != 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 "Janus room " + std::to_string(room_id) + " has ended", false);
  }
  const std::int64_t now = now_ms();
  std::int64_t ttl = settings_.token_ttl.count();
  if (request.ttl_seconds > 0) ttl = std::min<std::int64_t>(ttl, request.ttl_seconds);

  json& participants = room["participants"];
  json* participant = nullptr;
  if (auto it = participants.find(identity); it != participants.end()) participant = &*it;
  if (participant == nullptr || bool_of(*participant, "removed") ||
      int_of(*participant, "expires_at_ms") <= now) {
    const int generation =
        participant == nullptr ? 0 : static_cast<int>(int_of(*participant, "generation")) + 1;
    WASL_ASSIGN_OR_RETURN(std::string token, wasl::sdk::random_hex(24));
    const std::int64_t expires_at_ms = now + ttl * 1000;
    participants[identity] = {{"token", token},
                              {"feed_id", feed_id_for(room_id, identity, generation)},
                              {"generation", generation},
                              {"role", request.participant.role},
                              {"display_name", request.participant.display_name},
                              {"expires_at_ms", expires_at_ms},
                              {"admitted", false},
                              {"removed", false}};
    participant = &participants[identity];
    WASL_RETURN_IF_ERROR(store_room(room_id, room));
    WASL_RETURN_IF_ERROR(index_token(room_id, identity, expires_at_ms));
  }
  const std::string token = sdk::string_member(*participant, "token");
  // Known to Janus (a repeat of add_token is harmless), for the VideoRoom only.
  AdminAnswer added =
      admin_.core("add_token", {{"token", token}, {"plugins", json::array({kVideoRoomPlugin})}});
  if (!added.ok) return added.failure.error;

  const bool waiting = request.participant.status == "waiting";
  if (!waiting && !bool_of(*participant, "admitted")) {
    AdminAnswer allowed = admin_.videoroom({{"request", "allowed"},
                                            {"room", room_id},
                                            {"secret", sdk::string_member(room, "secret")},
                                            {"action", "add"},
                                            {"allowed", json::array({token})}});
    if (!allowed.ok) return allowed.failure.error;
    (*participant)["admitted"] = true;
    WASL_RETURN_IF_ERROR(store_room(room_id, room));
  }

  wasl::sdk::JoinToken out;
  out.token = token;
  out.provider_participant_id = std::to_string(int_of(*participant, "feed_id"));
  out.expires_at_ms = int_of(*participant, "expires_at_ms");
  out.raw = {{"api_url", settings_.api_url},
             {"plugin", kVideoRoomPlugin},
             {"room", room_id},
             {"feed_id", int_of(*participant, "feed_id")},
             {"admitted", bool_of(*participant, "admitted")},
             {"ice_servers", settings_.ice_servers}};
  return out;
}

Result<std::vector<wasl::sdk::Participant>> JanusVideoProvider::list_participants(
    const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  std::lock_guard lock(mutex_);
  (void)sweep_locked();
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  AdminAnswer listed = admin_.videoroom({{"request", "listparticipants"}, {"room", room_id}});
  if (!listed.ok) return listed.failure.error;
  std::vector<wasl::sdk::Participant> out;
  auto list = listed.document.find("participants");
  if (list == listed.document.end() || !list->is_array()) return out;
  const json& known = room["participants"];
  for (const json& entry : *list) {
    if (!entry.is_object()) continue;
    auto id = entry.find("id");
    if (id == entry.end() || !id->is_number_unsigned()) continue;
    wasl::sdk::Participant participant;
    participant.provider_id = std::to_string(id->get<std::uint64_t>());
    participant.status = "connected";
    participant.display_name = sdk::string_member(entry, "display");
    for (const auto& [identity, mine] : known.items()) {
      if (mine.value("feed_id", std::uint64_t{0}) == id->get<std::uint64_t>()) {
        participant.identity = identity;
        participant.role = sdk::string_member(mine, "role");
        participant.display_name = sdk::string_member(mine, "display_name");
        break;
      }
    }
    out.push_back(std::move(participant));
  }
  return out;
}

Status JanusVideoProvider::remove_participant(const wasl::sdk::ParticipantRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  if (ref.participant_id.empty()) return invalid("the request names no participant");
  std::lock_guard lock(mutex_);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  if (int_of(room, "ended_at_ms") != 0) return {};
  json& participants = room["participants"];
  json* participant = nullptr;
  for (auto& [identity, mine] : participants.items()) {
    if (identity == ref.participant_id ||
        std::to_string(int_of(mine, "feed_id")) == ref.participant_id) {
      participant = &mine;
      break;
    }
  }
  std::optional<std::uint64_t> feed;
  if (participant != nullptr) {
    feed = participant->value("feed_id", std::uint64_t{0});
  } else if (auto parsed = parse_room_id(ref.participant_id); parsed.ok()) {
    feed = *parsed;
  }
  if (feed) {
    AdminAnswer kicked = admin_.videoroom({{"request", "kick"},
                                           {"room", room_id},
                                           {"secret", sdk::string_member(room, "secret")},
                                           {"id", *feed}});
    WASL_RETURN_IF_ERROR(unless(kicked, {kRoomNoSuchFeed, kRoomNoSuchRoom}));
  }
  if (participant == nullptr || bool_of(*participant, "removed")) return {};
  WASL_RETURN_IF_ERROR(revoke(room_id, room, sdk::string_member(*participant, "token")));
  (*participant)["removed"] = true;
  return store_room(room_id, room);
}

Result<wasl::sdk::Recording> JanusVideoProvider::start_recording(const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  std::lock_guard lock(mutex_);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  AdminAnswer started = admin_.videoroom({{"request", "enable_recording"},
                                          {"room", room_id},
                                          {"secret", sdk::string_member(room, "secret")},
                                          {"record", true}});
  if (!started.ok) return started.failure.error;
  room["recording"] = true;
  WASL_RETURN_IF_ERROR(store_room(room_id, room));
  wasl::sdk::Recording out;
  out.provider_id = std::to_string(room_id);
  out.room_id = std::to_string(room_id);
  out.kind = "composition";
  out.status = "processing";
  out.created_at_ms = now_ms();
  return out;
}

Status JanusVideoProvider::stop_recording(const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  std::lock_guard lock(mutex_);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  if (int_of(room, "ended_at_ms") != 0) return {};
  AdminAnswer stopped = admin_.videoroom({{"request", "enable_recording"},
                                          {"room", room_id},
                                          {"secret", sdk::string_member(room, "secret")},
                                          {"record", false}});
  WASL_RETURN_IF_ERROR(unless(stopped, {kRoomNoSuchRoom}));
  room["recording"] = false;
  return store_room(room_id, room);
}

namespace {

constexpr std::size_t kMediaChunkBytes = 64 * 1024;
constexpr std::chrono::seconds kConvertingRetry{30};
constexpr const char* kWorkFolder = "composition";

std::string media_id_for(std::uint64_t room_id) { return std::to_string(room_id) + ".webm"; }

// The room a media id ("<room>.webm") names.
Result<std::uint64_t> parse_media_id(const std::string& media_id) {
  const std::string suffix = ".webm";
  if (media_id.size() <= suffix.size() ||
      media_id.compare(media_id.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return invalid("a Janus media id is <room>.webm");
  }
  return parse_room_id(std::string_view(media_id).substr(0, media_id.size() - suffix.size()));
}

std::string work_folder(const std::string& rec_dir) { return rec_dir + "/" + kWorkFolder; }

// Whether the room's folder holds an audio or video .mjr file (a missing
// folder holds none: Janus makes it when the first stream is recorded).
bool has_recorded_media(const std::string& rec_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(rec_dir, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  return !mjr_streams(names).empty();
}
std::string composition_file(const std::string& rec_dir, std::uint64_t room_id) {
  return work_folder(rec_dir) + "/" + media_id_for(room_id);
}

}  // namespace

wasl::sdk::Recording JanusVideoProvider::composition_answer(std::uint64_t room_id,
                                                            const json& room) const {
  const json composition = sdk::object_member(room, "composition");
  wasl::sdk::Recording out;
  out.provider_id = media_id_for(room_id);
  out.room_id = std::to_string(room_id);
  out.kind = "composition";
  // Nothing announces a Janus composition: once the room has ended its media
  // is final, and fetch_media makes the WebM. So a composition not yet
  // converted answers "completed" (fetchable; raw.converted false), and the
  // workflow does not wait for an announcement that never comes.
  const std::string status = sdk::string_member(composition, "status");
  out.status = status == "processing" ? "completed" : status;
  out.content_type = "video/webm";
  out.size_bytes = int_of(composition, "size_bytes");
  out.duration_seconds = int_of(composition, "duration_seconds");
  out.created_at_ms = int_of(composition, "requested_at_ms");
  out.raw = {{"layout", "grid"},
             {"audio_tracks", int_of(composition, "audio_tracks")},
             {"video_tracks", int_of(composition, "video_tracks")},
             {"converted", status == "completed"}};
  if (auto error = sdk::string_member(composition, "error"); !error.empty())
    out.raw["error"] = error;
  if (bool_of(composition, "no_media")) out.raw["no_media"] = true;
  return out;
}

Result<std::vector<wasl::sdk::Recording>> JanusVideoProvider::list_recordings(
    const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  std::lock_guard lock(mutex_);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  std::vector<wasl::sdk::Recording> out;
  if (room.contains("composition")) out.push_back(composition_answer(room_id, room));
  return out;
}

Result<wasl::sdk::Recording> JanusVideoProvider::request_composition(
    const wasl::sdk::CompositionRequest& request) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(request.room_id));
  if (!request.format.empty() && request.format != "webm") {
    host_.log(wasl::sdk::LogLevel::kInfo,
              "Janus recordings are composed as WebM (VP8/Opus), not " + request.format);
  }
  std::lock_guard lock(mutex_);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  if (room.contains("composition")) return composition_answer(room_id, room);
  if (int_of(room, "ended_at_ms") == 0) {
    // Janus writes the .mjr files until the room is destroyed; a room Janus
    // no longer has (restarted) has closed them too.
    AdminAnswer exists = admin_.videoroom({{"request", "exists"}, {"room", room_id}});
    if (!exists.ok) return exists.failure.error;
    if (bool_of(exists.document, "exists")) {
      return Error(ErrorCode::kFailedPrecondition,
                   "Janus room " + std::to_string(room_id) +
                       " is still open; its recording is composed after it ends",
                   true, std::chrono::seconds(10));
    }
  }
  room["composition"] = {{"status", "processing"}, {"requested_at_ms", now_ms()}};
  // A room nobody published in (or one that did not record) has no audio
  // or video .mjr file once it has ended: there is nothing to convert or
  // archive. The composition is `failed` with raw.no_media, which the hub's
  // archive step takes as "no recording" rather than an error.
  if (!has_recorded_media(sdk::string_member(room, "rec_dir"))) {
    room["composition"]["status"] = "failed";
    room["composition"]["no_media"] = true;
    room["composition"]["error"] = "Janus room " + std::to_string(room_id) +
                                   " recorded no audio or video: nobody published in it";
  }
  WASL_RETURN_IF_ERROR(store_room(room_id, room));
  return composition_answer(room_id, room);
}

Status JanusVideoProvider::convert(std::uint64_t room_id, const std::string& rec_dir) {
  RecordingConverter converter(host_, settings_.janus_pp_rec, settings_.ffmpeg);
  auto converted = converter.convert(
      rec_dir, work_folder(rec_dir), composition_file(rec_dir, room_id),
      std::chrono::duration_cast<std::chrono::milliseconds>(settings_.conversion_timeout));
  std::lock_guard lock(mutex_);
  converting_.erase(room_id);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  json& composition = room["composition"];
  if (converted.ok()) {
    composition["status"] = "completed";
    composition["size_bytes"] = converted->size_bytes;
    composition["duration_seconds"] = converted->duration_seconds;
    composition["audio_tracks"] = converted->audio_tracks;
    composition["video_tracks"] = converted->video_tracks;
    composition["completed_at_ms"] = now_ms();
    WASL_RETURN_IF_ERROR(store_room(room_id, room));
    return {};
  }
  const Error& error = converted.error();
  if (!error.retryable) {
    composition["status"] = "failed";
    composition["error"] = error.message;
    WASL_RETURN_IF_ERROR(store_room(room_id, room));
  }
  host_.log(wasl::sdk::LogLevel::kWarn, "the recording of Janus room " + std::to_string(room_id) +
                                            " was not converted: " + error.message);
  return Error(error.code,
               "the recording of Janus room " + std::to_string(room_id) +
                   " could not be converted: " + error.message,
               error.retryable, error.retry_after);
}

Result<wasl::sdk::MediaInfo> JanusVideoProvider::fetch_media(const wasl::sdk::MediaRef& media,
                                                             const wasl::sdk::ChunkSink& sink) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_media_id(media.media_id));
  std::string rec_dir;
  bool claimed = false;
  {
    std::lock_guard lock(mutex_);
    WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
    rec_dir = sdk::string_member(room, "rec_dir");
    const json composition = sdk::object_member(room, "composition");
    const std::string status = sdk::string_member(composition, "status");
    if (status.empty()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "no composition was requested for Janus room " + std::to_string(room_id), false);
    }
    if (status == "deleted") {
      return Error(ErrorCode::kNotFound,
                   "the recording of Janus room " + std::to_string(room_id) +
                       " was deleted after it was archived",
                   false);
    }
    if (status == "failed") {
      return Error(ErrorCode::kFailedPrecondition,
                   "the recording of Janus room " + std::to_string(room_id) +
                       " could not be converted: " + sdk::string_member(composition, "error"),
                   false);
    }
    if (status == "processing") {
      if (converting_.count(room_id) != 0) {
        return Error(
            ErrorCode::kFailedPrecondition,
            "the recording of Janus room " + std::to_string(room_id) + " is still being converted",
            true, kConvertingRetry);
      }
      converting_.insert(room_id);
      claimed = true;
    }
  }
  if (claimed) WASL_RETURN_IF_ERROR(convert(room_id, rec_dir));

  const std::string file = composition_file(rec_dir, room_id);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kUnavailable, "the composed recording " + file + " cannot be opened",
                 true);
  }
  std::string buffer(kMediaChunkBytes, '\0');
  std::int64_t delivered = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    WASL_RETURN_IF_ERROR(sink(std::string_view(buffer.data(), static_cast<std::size_t>(got))));
    delivered += got;
  }
  if (in.bad()) {
    return Error(ErrorCode::kUnavailable, "reading the composed recording " + file + " failed",
                 true);
  }
  wasl::sdk::MediaInfo info;
  info.content_type = "video/webm";
  info.size_bytes = delivered;
  return info;
}

Status JanusVideoProvider::release_media(const wasl::sdk::MediaRef& media) {
  namespace fs = std::filesystem;
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_media_id(media.media_id));
  std::lock_guard lock(mutex_);
  auto loaded = load_room(room_id);
  if (!loaded.ok()) {
    return loaded.error().code == ErrorCode::kNotFound ? Status() : Status(loaded.error());
  }
  json room = std::move(loaded).value();
  if (converting_.count(room_id) != 0) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the recording of Janus room " + std::to_string(room_id) +
                     " is being converted; it is released after",
                 true, kConvertingRetry);
  }
  const std::string rec_dir = sdk::string_member(room, "rec_dir");
  // Only a folder under the configured root is ever emptied.
  if (rec_dir.rfind(settings_.recording_root + "/", 0) != 0 ||
      rec_dir.find("/..") != std::string::npos) {
    return Error(ErrorCode::kInternal,
                 "Janus room " + std::to_string(room_id) + " records outside recording_root",
                 false);
  }
  std::error_code ec;
  fs::remove_all(work_folder(rec_dir), ec);
  if (ec) {
    return Error(ErrorCode::kUnavailable,
                 "the composed recording of Janus room " + std::to_string(room_id) +
                     " could not be deleted: " + ec.message(),
                 true);
  }
  for (fs::directory_iterator it(rec_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".mjr") continue;
    std::error_code removed;
    fs::remove(it->path(), removed);
    if (removed) {
      return Error(ErrorCode::kUnavailable,
                   "a raw recording file of Janus room " + std::to_string(room_id) +
                       " could not be deleted: " + removed.message(),
                   true);
    }
  }
  fs::remove(rec_dir, ec);  // only when empty; an error here leaves it
  room["composition"]["status"] = "deleted";
  room["composition"]["deleted_at_ms"] = now_ms();
  return store_room(room_id, room);
}

Result<wasl::sdk::Room> JanusVideoProvider::get_room(const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  std::lock_guard lock(mutex_);
  (void)sweep_locked();
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  wasl::sdk::Room out = room_answer(room_id, room);
  if (out.status != "in_progress") return out;
  AdminAnswer exists = admin_.videoroom({{"request", "exists"}, {"room", room_id}});
  if (!exists.ok) return exists.failure.error;
  // Janus forgets its rooms when it restarts: a room it no longer has is over.
  if (!bool_of(exists.document, "exists")) out.status = "completed";
  return out;
}

}  // namespace wasl::plugins::janus
