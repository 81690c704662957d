#include "plugins/twilio/twilio_video_provider.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "plugins/twilio/access_token.hpp"
#include "plugins/twilio/error_mapping.hpp"
#include "plugins/twilio/room_unique_name.hpp"
#include "plugins/twilio/status_callback.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/media_relay.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

// Twilio's code for "Room is not completed" on CreateComposition.
constexpr int kTwilioRoomNotCompleted = 53150;
// Twilio's largest group room.
constexpr int kMaxGroupParticipants = 50;
// How much of a media answer is held back until its status is known.
constexpr std::size_t kMediaHoldBack = 64 * 1024;

Error invalid_answer(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

std::int64_t int_of(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end()) return 0;
  if (it->is_number()) return it->get<std::int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

bool bool_of(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

std::int64_t time_ms_of(const json& doc, const char* key) {
  std::string text = sdk::string_member(doc, key);
  if (text.empty()) return 0;
  auto t = parse_twilio_timestamp(text);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

bool is_sid(std::string_view value, std::string_view prefix) {
  if (value.size() != 34 || value.substr(0, 2) != prefix) return false;
  return std::all_of(value.begin() + 2, value.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string room_path(const std::string& room) { return "/v1/Rooms/" + path_segment(room); }

std::string room_state_key(const std::string& unique_name) { return "room:" + unique_name; }

Status require_room(const std::string& room_id) {
  if (room_id.empty()) return invalid_answer("the request names no Twilio room (room_id is empty)");
  return {};
}

// "the participant is already disconnected" and its like: a 4xx that a
// follow-up read can settle.
bool settle_by_reading(const Error& error) {
  return !error.retryable && error.code != ErrorCode::kUnauthenticated &&
         error.code != ErrorCode::kPermissionDenied;
}

std::string media_content_type(const json& doc) {
  std::string format = sdk::string_member(doc, "format");
  if (format == "mp4") return "video/mp4";
  if (format == "webm") return "video/webm";
  std::string container = sdk::string_member(doc, "container_format");
  if (container == "mka") return "audio/x-matroska";
  if (container == "mkv") return "video/x-matroska";
  return "application/octet-stream";
}

// scheme://authority of an absolute URL, lower-cased; "" when not absolute.
std::string origin_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  auto end = url.find_first_of("/?#", scheme + 3);
  std::string origin(url.substr(0, end));
  std::transform(origin.begin(), origin.end(), origin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return origin;
}

std::string host_of(std::string_view url) {
  std::string origin = origin_of(url);
  auto scheme = origin.find("://");
  if (scheme == std::string::npos) return {};
  std::string authority = origin.substr(scheme + 3);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    return close == std::string::npos ? authority : authority.substr(0, close + 1);
  }
  if (auto colon = authority.find(':'); colon != std::string::npos) authority.erase(colon);
  return authority;
}

}  // namespace

// ---- mappings -----------------------------------------------------------------

sdk::Room room_from_twilio(const json& room) {
  sdk::Room out;
  out.provider_room_id = sdk::string_member(room, "sid");
  out.name = sdk::string_member(room, "unique_name");
  std::string status = sdk::string_member(room, "status");
  out.status = status == "in-progress" ? "in_progress" : status;
  out.participant_limit = static_cast<int>(int_of(room, "max_participants"));
  out.recording = bool_of(room, "record_participants_on_connect");
  out.created_at_ms = time_ms_of(room, "date_created");
  if (status != "in-progress") out.ended_at_ms = time_ms_of(room, "end_time");
  out.raw = room;
  return out;
}

sdk::Recording recording_from_twilio(const json& recording) {
  sdk::Recording out;
  out.provider_id = sdk::string_member(recording, "sid");
  out.room_id = sdk::string_member(recording, "room_sid");
  if (out.room_id.empty()) {
    if (auto g = recording.find("grouping_sids"); g != recording.end() && g->is_object()) {
      out.room_id = sdk::string_member(*g, "room_sid");
    }
  }
  out.kind = sdk::string_member(recording, "type");
  std::string status = sdk::string_member(recording, "status");
  out.status = status == "absent" ? "failed" : status;
  out.content_type = media_content_type(recording);
  out.size_bytes = int_of(recording, "size");
  out.duration_seconds = int_of(recording, "duration");
  out.created_at_ms = time_ms_of(recording, "date_created");
  out.raw = recording;
  return out;
}

sdk::Recording composition_from_twilio(const json& composition) {
  sdk::Recording out;
  out.provider_id = sdk::string_member(composition, "sid");
  out.room_id = sdk::string_member(composition, "room_sid");
  out.kind = "composition";
  std::string status = sdk::string_member(composition, "status");
  out.status = (status == "enqueued" || status == "processing") ? "processing" : status;
  out.content_type = media_content_type(composition);
  out.size_bytes = int_of(composition, "size");
  out.duration_seconds = int_of(composition, "duration");
  out.created_at_ms = time_ms_of(composition, "date_created");
  out.raw = composition;
  return out;
}

// ---- provider -----------------------------------------------------------------

TwilioVideoProvider::TwilioVideoProvider(sdk::Host& host, TwilioSettings settings)
    : host_(host), settings_(std::move(settings)), rest_(host_, settings_) {}

Result<std::optional<json>> TwilioVideoProvider::find_room(const std::string& unique_name,
                                                           const std::string& status) {
  WASL_ASSIGN_OR_RETURN(auto rooms,
                        rest_.list("list rooms", "/v1/Rooms",
                                   {{"UniqueName", unique_name}, {"Status", status}}, "rooms"));
  // Newest first, as Twilio lists them; the filter is re-checked here.
  for (auto& room : rooms) {
    if (sdk::string_member(room, "unique_name") == unique_name &&
        sdk::string_member(room, "status") == status) {
      return std::optional<json>(std::move(room));
    }
  }
  return std::optional<json>();
}

Result<sdk::Room> TwilioVideoProvider::create_room(const sdk::CreateRoomRequest& request) {
  WASL_ASSIGN_OR_RETURN(std::string unique_name, room_unique_name(request.idempotency_key));
  const int limit = request.participant_limit;
  if (limit < 1 || limit > kMaxGroupParticipants) {
    return invalid_answer(
        "participant_limit must be between 1 and 50 for a Twilio group room, got " +
        std::to_string(limit));
  }
  const int max_duration = request.max_duration_seconds > 0
                               ? request.max_duration_seconds
                               : settings_.max_participant_duration_seconds;
  if (max_duration < 600 || max_duration > 86400) {
    return invalid_answer("max_duration_seconds must be between 600 and 86400 for Twilio, got " +
                          std::to_string(max_duration));
  }
  const std::string state_key = room_state_key(unique_name);

  // 1. The room this key already made, by SID (found even once completed).
  WASL_ASSIGN_OR_RETURN(auto remembered, host_.state_get(state_key));
  if (remembered && remembered->is_object()) {
    std::string sid = sdk::string_member(*remembered, "sid");
    if (!sid.empty()) {
      auto room = rest_.get("fetch room", room_path(sid));
      if (room.ok()) return room_from_twilio(*room);
      if (room.error().code != ErrorCode::kNotFound) return std::move(room).error();
    }
  }

  auto remember = [&](const json& room) -> Result<sdk::Room> {
    sdk::Room out = room_from_twilio(room);
    WASL_RETURN_IF_ERROR(host_.state_put(state_key, json{{"sid", out.provider_room_id}}));
    return out;
  };

  // 2. A room made by an attempt whose answer was lost.
  for (const char* status : {"in-progress", "completed"}) {
    WASL_ASSIGN_OR_RETURN(auto found, find_room(unique_name, status));
    if (found) return remember(*found);
  }

  // 3. Create it.
  std::string callback = request.status_callback_url.empty() ? settings_.status_callback_url
                                                             : request.status_callback_url;
  FormFields form = {{"Type", "group"}, {"UniqueName", unique_name}};
  if (!callback.empty()) {
    form.push_back({"StatusCallback", callback});
    form.push_back({"StatusCallbackMethod", "POST"});
  }
  form.push_back({"MaxParticipants", std::to_string(limit)});
  form.push_back({"EmptyRoomTimeout", std::to_string(settings_.empty_room_timeout_minutes)});
  form.push_back({"UnusedRoomTimeout", std::to_string(settings_.unused_room_timeout_minutes)});
  form.push_back({"MaxParticipantDuration", std::to_string(max_duration)});
  const bool record = request.recording || settings_.record_participants_on_connect;
  form.push_back({"RecordParticipantsOnConnect", record ? "true" : "false"});
  if (!request.region.empty()) form.push_back({"MediaRegion", request.region});

  auto created = rest_.post("create room", "/v1/Rooms", form);
  if (created.ok()) return remember(*created);
  Error error = std::move(created).error();
  if (error.code != ErrorCode::kAlreadyExists) return error;
  // 53113: an in-progress room holds the name — ours, from an attempt whose
  // answer was lost or from a concurrent worker.
  WASL_ASSIGN_OR_RETURN(auto found, find_room(unique_name, "in-progress"));
  if (found) return remember(*found);
  return Error(ErrorCode::kConflict,
               "Twilio create room: the UniqueName is taken but the room could not be read back "
               "(it may have just ended); retry",
               true);
}

Result<sdk::Room> TwilioVideoProvider::end_room(const sdk::RoomRef& room) {
  WASL_RETURN_IF_ERROR(require_room(room.room_id));
  auto ended = rest_.post("complete room", room_path(room.room_id), {{"Status", "completed"}});
  if (ended.ok()) return room_from_twilio(*ended);
  Error error = std::move(ended).error();
  if (error.code == ErrorCode::kNotFound || !settle_by_reading(error)) return error;
  // Twilio refuses to complete a completed room; that is success.
  WASL_ASSIGN_OR_RETURN(json current, rest_.get("fetch room", room_path(room.room_id)));
  if (sdk::string_member(current, "status") != "in-progress") return room_from_twilio(current);
  return error;
}

Result<sdk::JoinToken> TwilioVideoProvider::issue_join_token(const sdk::JoinTokenRequest& request) {
  WASL_RETURN_IF_ERROR(require_room(request.room_id));
  if (request.participant.identity.empty()) {
    return invalid_answer("a Twilio join token needs the participant's identity");
  }
  const std::chrono::seconds ttl =
      request.ttl_seconds > 0 ? std::chrono::seconds(request.ttl_seconds) : settings_.token_ttl;
  if (ttl > kMaxAccessTokenTtl) {
    return invalid_answer("ttl_seconds must be at most 86400 for a Twilio access token, got " +
                          std::to_string(ttl.count()));
  }
  AccessTokenRequest token;
  token.account_sid = settings_.account_sid;
  token.api_key_sid = settings_.api_key_sid;
  token.api_key_secret = settings_.api_key_secret;
  token.identity = request.participant.identity;
  token.room = request.room_id;
  token.issued_at = std::chrono::time_point_cast<std::chrono::seconds>(host_.now());
  token.ttl = ttl;
  WASL_ASSIGN_OR_RETURN(std::string jwt, build_access_token(token));
  sdk::JoinToken out;
  out.token = std::move(jwt);
  out.provider_participant_id = request.participant.identity;
  out.expires_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          (token.issued_at + ttl).time_since_epoch())
                          .count();
  out.raw = {{"identity", request.participant.identity}, {"room", request.room_id}};
  return out;
}

Result<std::vector<sdk::Participant>> TwilioVideoProvider::list_participants(
    const sdk::RoomRef& room) {
  WASL_RETURN_IF_ERROR(require_room(room.room_id));
  WASL_ASSIGN_OR_RETURN(
      auto items, rest_.list("list participants", room_path(room.room_id) + "/Participants", {},
                             "participants"));
  std::vector<sdk::Participant> out;
  for (const auto& p : items) {
    sdk::Participant participant;
    participant.identity = sdk::string_member(p, "identity");
    participant.provider_id = sdk::string_member(p, "sid");
    participant.status = sdk::string_member(p, "status");
    participant.joined_at_ms = time_ms_of(p, "start_time");
    out.push_back(std::move(participant));
  }
  return out;
}

Result<sdk::Room> TwilioVideoProvider::get_room(const sdk::RoomRef& room) {
  WASL_RETURN_IF_ERROR(require_room(room.room_id));
  WASL_ASSIGN_OR_RETURN(json current, rest_.get("fetch room", room_path(room.room_id)));
  return room_from_twilio(current);
}

Status TwilioVideoProvider::remove_participant(const sdk::ParticipantRef& participant) {
  WASL_RETURN_IF_ERROR(require_room(participant.room_id));
  if (participant.participant_id.empty()) {
    return invalid_answer(
        "remove_participant needs the participant's provider id (its identity or PA… SID)");
  }
  std::string path =
      room_path(participant.room_id) + "/Participants/" + path_segment(participant.participant_id);
  auto result = rest_.post("disconnect participant", path, {{"Status", "disconnected"}});
  if (result.ok()) return {};
  Error error = std::move(result).error();
  if (error.code == ErrorCode::kNotFound) return {};  // gone already
  if (!settle_by_reading(error)) return error;
  auto current = rest_.get("fetch participant", path);
  if (!current.ok()) {
    return current.error().code == ErrorCode::kNotFound ? Status() : Status(error);
  }
  if (sdk::string_member(*current, "status") == "disconnected") return {};
  return error;
}

Result<sdk::Recording> TwilioVideoProvider::set_recording_rules(const sdk::RoomRef& room,
                                                                const char* type) {
  WASL_RETURN_IF_ERROR(require_room(room.room_id));
  json rules = json::array({{{"type", type}, {"all", true}}});
  WASL_ASSIGN_OR_RETURN(
      json answer, rest_.post("update recording rules", room_path(room.room_id) + "/RecordingRules",
                              {{"Rules", rules.dump()}}));
  sdk::Recording out;
  out.provider_id = sdk::string_member(answer, "room_sid");
  if (out.provider_id.empty()) out.provider_id = room.room_id;
  out.room_id = out.provider_id;
  out.kind = "room";
  out.status = std::string(type) == "include" ? "processing" : "completed";
  out.created_at_ms = time_ms_of(answer, "date_updated");
  out.raw = std::move(answer);
  return out;
}

Result<sdk::Recording> TwilioVideoProvider::start_recording(const sdk::RoomRef& room) {
  return set_recording_rules(room, "include");
}

Status TwilioVideoProvider::stop_recording(const sdk::RoomRef& room) {
  auto result = set_recording_rules(room, "exclude");
  if (!result.ok()) return std::move(result).error();
  return {};
}

Result<std::string> TwilioVideoProvider::room_sid(const std::string& room_id) {
  WASL_RETURN_IF_ERROR(require_room(room_id));
  if (is_sid(room_id, "RM")) return room_id;
  WASL_ASSIGN_OR_RETURN(json room, rest_.get("fetch room", room_path(room_id)));
  std::string sid = sdk::string_member(room, "sid");
  if (!is_sid(sid, "RM")) {
    return Error(ErrorCode::kUnavailable, "Twilio fetch room answered without a room SID", true);
  }
  return sid;
}

Result<std::vector<json>> TwilioVideoProvider::compositions_of(const std::string& sid) {
  WASL_ASSIGN_OR_RETURN(auto items, rest_.list("list compositions", "/v1/Compositions",
                                               {{"RoomSid", sid}}, "compositions"));
  std::vector<json> out;
  for (auto& c : items) {
    if (sdk::string_member(c, "room_sid") == sid) out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<sdk::Recording>> TwilioVideoProvider::list_recordings(const sdk::RoomRef& room) {
  WASL_ASSIGN_OR_RETURN(std::string sid, room_sid(room.room_id));
  WASL_ASSIGN_OR_RETURN(
      auto recordings,
      rest_.list("list room recordings", room_path(sid) + "/Recordings", {}, "recordings"));
  std::vector<sdk::Recording> out;
  for (const auto& r : recordings) {
    sdk::Recording recording = recording_from_twilio(r);
    if (recording.room_id.empty()) recording.room_id = sid;
    out.push_back(std::move(recording));
  }
  WASL_ASSIGN_OR_RETURN(auto compositions, compositions_of(sid));
  for (const auto& c : compositions) out.push_back(composition_from_twilio(c));
  return out;
}

Result<sdk::Recording> TwilioVideoProvider::request_composition(
    const sdk::CompositionRequest& request) {
  WASL_ASSIGN_OR_RETURN(std::string sid, room_sid(request.room_id));
  WASL_ASSIGN_OR_RETURN(auto existing, compositions_of(sid));
  for (const auto& c : existing) {
    std::string status = sdk::string_member(c, "status");
    if (status == "enqueued" || status == "processing" || status == "completed") {
      return composition_from_twilio(c);
    }
  }
  if (!request.layout.empty() && request.layout != "grid") {
    return invalid_answer("Twilio compositions support the grid layout only, got '" +
                          request.layout + "'");
  }
  std::string format = request.format.empty() ? settings_.composition.format : request.format;
  if (format != "mp4" && format != "webm") {
    return invalid_answer("composition format must be mp4 or webm, got '" + format + "'");
  }
  std::string callback = request.status_callback_url;
  if (callback.empty()) callback = settings_.composition.status_callback_url;
  if (callback.empty()) callback = settings_.status_callback_url;
  json layout = {{"grid", {{"video_sources", json::array({"*"})}}}};
  FormFields form = {{"RoomSid", sid},
                     {"VideoLayout", layout.dump()},
                     {"AudioSources", "*"},
                     {"Format", format},
                     {"Resolution", settings_.composition.resolution},
                     {"Trim", "true"}};
  if (!callback.empty()) {
    form.push_back({"StatusCallback", callback});
    form.push_back({"StatusCallbackMethod", "POST"});
  }
  WASL_ASSIGN_OR_RETURN(auto answer,
                        rest_.post_raw("create composition", "/v1/Compositions", form));
  if (answer.status < 200 || answer.status >= 300) {
    auto body = parse_twilio_error_body(answer.body);
    if (body && body->code == kTwilioRoomNotCompleted) {
      return Error(ErrorCode::kFailedPrecondition,
                   "Twilio create composition: the room has not completed yet (Twilio code "
                   "53150); retry after room-ended",
                   true, settings_.composition.poll_interval);
    }
  }
  WASL_ASSIGN_OR_RETURN(json created, rest_.decode("create composition", answer));
  return composition_from_twilio(created);
}

Result<std::string> TwilioVideoProvider::media_location(const sdk::HttpResponse& answer) const {
  std::string location;
  if (answer.status >= 300 && answer.status < 400) {
    location = answer.header("Location");
  } else if (answer.status >= 200 && answer.status < 300) {
    json body = sdk::parse_json_within(answer.body);
    if (body.is_object()) location = sdk::string_member(body, "redirect_to");
  }
  if (location.empty()) {
    return Error(ErrorCode::kUnavailable,
                 "Twilio fetch media answered HTTP " + std::to_string(answer.status) +
                     " without a media location; retry later",
                 true);
  }
  if (location.front() == '/') location = origin_of(settings_.base_url) + location;
  return location;
}

bool TwilioVideoProvider::media_location_allowed(const std::string& location) const {
  std::string origin = origin_of(location);
  if (origin.empty()) return false;
  if (origin == origin_of(settings_.base_url)) return true;
  if (origin.rfind("https://", 0) != 0) return false;
  std::string host = host_of(location);
  for (const auto& suffix : settings_.media_host_suffixes) {
    std::string s = suffix;
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (host == s ||
        (host.size() > s.size() && host.compare(host.size() - s.size(), s.size(), s) == 0 &&
         (s.front() == '.' || host[host.size() - s.size() - 1] == '.'))) {
      return true;
    }
  }
  return false;
}

Result<sdk::MediaInfo> TwilioVideoProvider::fetch_media(const sdk::MediaRef& media,
                                                        const sdk::ChunkSink& sink) {
  const std::string& id = media.media_id;
  std::string resource;
  if (is_sid(id, "CJ")) {
    resource = "/v1/Compositions/" + id;
  } else if (is_sid(id, "RT")) {
    resource = "/v1/Recordings/" + id;
  } else {
    return invalid_answer("media_id must be a Twilio composition (CJ…) or recording (RT…) SID");
  }
  const bool composition = id.rfind("CJ", 0) == 0;
  WASL_ASSIGN_OR_RETURN(json doc,
                        rest_.get(composition ? "fetch composition" : "fetch recording", resource));
  const std::string status = sdk::string_member(doc, "status");
  if (status == "enqueued" || status == "processing") {
    return Error(ErrorCode::kFailedPrecondition,
                 "Twilio media " + id + " is still " + status + "; retry later", true,
                 settings_.composition.poll_interval);
  }
  if (status == "deleted") {
    return Error(ErrorCode::kNotFound, "Twilio media " + id + " has been deleted", false);
  }
  if (status != "completed") {
    return Error(ErrorCode::kFailedPrecondition,
                 "Twilio media " + id + " is " + (status.empty() ? "in an unknown state" : status) +
                     " and has no media",
                 false);
  }

  WASL_ASSIGN_OR_RETURN(auto redirect, rest_.get_raw("fetch media", resource + "/Media"));
  if (redirect.status >= 400) return rest_.error_for("fetch media", redirect);
  WASL_ASSIGN_OR_RETURN(std::string location, media_location(redirect));
  if (!media_location_allowed(location)) {
    return Error(ErrorCode::kPermissionDenied,
                 "Twilio fetch media redirected to a host outside base_url and "
                 "media_host_suffixes; add the storage host's suffix to media_host_suffixes",
                 false);
  }

  // No credentials: the location is pre-signed, and the host may be a third party.
  sdk::HttpRequest request;
  request.method = "GET";
  request.url = location;
  request.timeout = settings_.media_timeout;
  sdk::MediaRelay relay(sink, kMediaHoldBack);
  auto answer = host_.http_streaming(request, relay.chunk_sink());
  if (relay.sink_error()) return *relay.sink_error();
  if (!answer.ok()) {
    Error error = std::move(answer).error();
    error.message = "Twilio media download: " + error.message;
    return error;
  }
  if (answer->status < 200 || answer->status >= 300) {
    if (relay.forwarded() > 0) {
      return Error(ErrorCode::kInternal,
                   "the Twilio media host answered HTTP " + std::to_string(answer->status) +
                       " with a body larger than an error page; the stream is not usable",
                   false);
    }
    const bool retry = answer->status == 403 || answer->status == 429 || answer->status >= 500;
    return Error(retry ? ErrorCode::kUnavailable : ErrorCode::kNotFound,
                 "the Twilio media host answered HTTP " + std::to_string(answer->status) +
                     (retry ? " (an expired link or an outage); retry" : ""),
                 retry);
  }
  WASL_RETURN_IF_ERROR(relay.finish());
  const std::int64_t forwarded = relay.forwarded();
  std::string length = answer->header("Content-Length");
  if (!length.empty()) {
    try {
      if (std::stoll(length) != forwarded) {
        return Error(ErrorCode::kUnavailable,
                     "the Twilio media download ended after " + std::to_string(forwarded) + " of " +
                         length + " bytes; retry",
                     true);
      }
    } catch (const std::exception&) {
    }
  }
  sdk::MediaInfo info;
  info.content_type = answer->header("Content-Type");
  if (info.content_type.empty()) info.content_type = media_content_type(doc);
  info.size_bytes = forwarded;
  return info;
}

Status TwilioVideoProvider::release_media(const sdk::MediaRef& media) {
  if (!settings_.delete_after_archive) {
    host_.log(sdk::LogLevel::kInfo,
              "delete_after_archive is off: Twilio keeps media " + media.media_id);
    return {};
  }
  const std::string& id = media.media_id;
  auto delete_one = [&](const std::string& operation, const std::string& path) -> Status {
    Status status = rest_.remove(operation, path);
    if (!status.ok() && status.error().code == ErrorCode::kNotFound) return {};
    return status;
  };
  if (is_sid(id, "RT")) return delete_one("delete recording", "/v1/Recordings/" + id);
  if (!is_sid(id, "CJ")) {
    return invalid_answer("media_id must be a Twilio composition (CJ…) or recording (RT…) SID");
  }
  auto composition = rest_.get("fetch composition", "/v1/Compositions/" + id);
  if (!composition.ok()) {
    return composition.error().code == ErrorCode::kNotFound ? Status()
                                                            : Status(composition.error());
  }
  const std::string sid = sdk::string_member(*composition, "room_sid");
  if (is_sid(sid, "RM")) {
    WASL_ASSIGN_OR_RETURN(
        auto recordings,
        rest_.list("list room recordings", room_path(sid) + "/Recordings", {}, "recordings"));
    bool still_processing = false;
    for (const auto& r : recordings) {
      std::string status = sdk::string_member(r, "status");
      if (status == "deleted") continue;
      if (status == "processing") {
        still_processing = true;
        continue;
      }
      WASL_RETURN_IF_ERROR(
          delete_one("delete recording", "/v1/Recordings/" + sdk::string_member(r, "sid")));
    }
    if (still_processing) {
      return Error(ErrorCode::kFailedPrecondition,
                   "a Twilio recording of the room is still processing; retry the deletion later",
                   true, settings_.composition.poll_interval);
    }
  }
  return delete_one("delete composition", "/v1/Compositions/" + id);
}

}  // namespace wasl::plugins::twilio
