#include "plugins/janus/janus_video_provider.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

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

std::string string_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

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
                                            {"secret", string_of(room, "secret")},
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
    const std::string identity = string_of(entry, "identity");
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
    Status revoked = revoke(room_id, *room, string_of(*it, "token"));
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
  out.name = string_of(room, "name");
  out.participant_limit = static_cast<int>(int_of(room, "participant_limit"));
  out.recording = bool_of(room, "recording");
  out.created_at_ms = int_of(room, "created_at_ms");
  out.ended_at_ms = int_of(room, "ended_at_ms");
  out.status = out.ended_at_ms == 0 ? "in_progress" : "completed";
  out.raw = {{"api_url", settings_.api_url},
             {"plugin", kVideoRoomPlugin},
             {"room", room_id},
             {"recording_folder", string_of(room, "rec_dir")}};
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
    if (string_of(room, "key") != request.idempotency_key) {
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
                                          {"secret", string_of(room, "secret")},
                                          {"is_private", true},
                                          {"publishers", int_of(room, "participant_limit")},
                                          {"audiocodec", "opus"},
                                          {"videocodec", "vp8"},
                                          {"record", bool_of(room, "recording")},
                                          {"rec_dir", string_of(room, "rec_dir")},
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
                                            {"secret", string_of(room, "secret")},
                                            {"permanent", false}});
  WASL_RETURN_IF_ERROR(unless(destroyed, {kRoomNoSuchRoom}));
  room["ended_at_ms"] = now_ms();
  for (auto& [identity, participant] : room["participants"].items()) {
    if (bool_of(participant, "removed")) continue;
    AdminAnswer gone = admin_.core("remove_token", {{"token", string_of(participant, "token")}});
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
  const std::string token = string_of(*participant, "token");
  // Known to Janus (a repeat of add_token is harmless), for the VideoRoom only.
  AdminAnswer added =
      admin_.core("add_token", {{"token", token}, {"plugins", json::array({kVideoRoomPlugin})}});
  if (!added.ok) return added.failure.error;

  const bool waiting = request.participant.status == "waiting";
  if (!waiting && !bool_of(*participant, "admitted")) {
    AdminAnswer allowed = admin_.videoroom({{"request", "allowed"},
                                            {"room", room_id},
                                            {"secret", string_of(room, "secret")},
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
    participant.display_name = string_of(entry, "display");
    for (const auto& [identity, mine] : known.items()) {
      if (mine.value("feed_id", std::uint64_t{0}) == id->get<std::uint64_t>()) {
        participant.identity = identity;
        participant.role = string_of(mine, "role");
        participant.display_name = string_of(mine, "display_name");
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
                                           {"secret", string_of(room, "secret")},
                                           {"id", *feed}});
    WASL_RETURN_IF_ERROR(unless(kicked, {kRoomNoSuchFeed, kRoomNoSuchRoom}));
  }
  if (participant == nullptr || bool_of(*participant, "removed")) return {};
  WASL_RETURN_IF_ERROR(revoke(room_id, room, string_of(*participant, "token")));
  (*participant)["removed"] = true;
  return store_room(room_id, room);
}

Result<wasl::sdk::Recording> JanusVideoProvider::start_recording(const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::uint64_t room_id, parse_room_id(ref.room_id));
  std::lock_guard lock(mutex_);
  WASL_ASSIGN_OR_RETURN(json room, load_room(room_id));
  AdminAnswer started = admin_.videoroom({{"request", "enable_recording"},
                                          {"room", room_id},
                                          {"secret", string_of(room, "secret")},
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
                                          {"secret", string_of(room, "secret")},
                                          {"record", false}});
  WASL_RETURN_IF_ERROR(unless(stopped, {kRoomNoSuchRoom}));
  room["recording"] = false;
  return store_room(room_id, room);
}

// The conversion of a room's .mjr files into one WebM file is not built yet:
// the three media methods say so instead of answering an empty list.
Result<std::vector<wasl::sdk::Recording>> JanusVideoProvider::list_recordings(
    const wasl::sdk::RoomRef& /*room*/) {
  return Error(ErrorCode::kUnimplemented,
               "the Janus plugin does not convert recordings yet (janus-pp-rec, ffmpeg)", false);
}

Result<wasl::sdk::Recording> JanusVideoProvider::request_composition(
    const wasl::sdk::CompositionRequest& /*request*/) {
  return Error(ErrorCode::kUnimplemented,
               "the Janus plugin does not convert recordings yet (janus-pp-rec, ffmpeg)", false);
}

Result<wasl::sdk::MediaInfo> JanusVideoProvider::fetch_media(const wasl::sdk::MediaRef& /*media*/,
                                                             const wasl::sdk::ChunkSink& /*sink*/) {
  return Error(ErrorCode::kUnimplemented,
               "the Janus plugin does not convert recordings yet (janus-pp-rec, ffmpeg)", false);
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
