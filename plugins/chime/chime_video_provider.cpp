#include "plugins/chime/chime_video_provider.hpp"

#include <algorithm>

#include "plugins/chime/attendee_role.hpp"
#include "plugins/chime/client_request_token.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::chime {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;
using wasl::sdk::Status;

namespace {

constexpr int kMaxMoveHops = 8;
constexpr std::size_t kMaxCapturesScanned = 200;
constexpr std::chrono::milliseconds kProcessingRetry{5000};

std::string room_key(const std::string& key) { return "room/" + key; }
std::string meeting_key(const std::string& id) { return "meeting/" + id; }
std::string recordings_key(const std::string& id) { return "recordings/" + id; }
std::string identity_key(const std::string& external) { return "identity/" + external; }

std::int64_t now_ms(wasl::sdk::Host& host) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host.now().time_since_epoch())
      .count();
}

// The model's ExternalMeetingId: the room's name when it fits the model, else
// a label derived from the ClientRequestToken.
std::string external_meeting_id(const std::string& name, const std::string& token) {
  std::string candidate = external_user_id_for(name);
  if (candidate == name) return name;
  return "wasl-" + token.substr(0, 40);
}

bool is_not_found(const Error& error) { return error.code == ErrorCode::kNotFound; }

// "arn:aws:s3:::bucket/prefix" -> {bucket, prefix}.
std::pair<std::string, std::string> split_s3_arn(const std::string& arn) {
  auto at = arn.find(":::");
  if (at == std::string::npos) return {};
  std::string rest = arn.substr(at + 3);
  auto slash = rest.find('/');
  if (slash == std::string::npos) return {rest, ""};
  std::string prefix = rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {rest.substr(0, slash), prefix};
}

AttendeeCapabilities capabilities_of(const json& attendee) {
  AttendeeCapabilities caps;
  const json c = attendee.is_object() ? sdk::object_member(attendee, "Capabilities") : json();
  if (c.is_object()) {
    caps.audio = sdk::string_member(c, "Audio");
    caps.video = sdk::string_member(c, "Video");
    caps.content = sdk::string_member(c, "Content");
  }
  return caps;
}

}  // namespace

std::string pipeline_state_key(const std::string& pipeline_id) { return "pipeline/" + pipeline_id; }
std::string joined_state_key(const std::string& meeting_id) { return "joined/" + meeting_id; }
std::string meeting_state_key(const std::string& meeting_id) { return meeting_key(meeting_id); }

ChimeVideoProvider::ChimeVideoProvider(wasl::sdk::Host& host, ChimeSettings settings,
                                       TokenBucket::Clock clock, AwsTransport::Sleeper sleeper)
    : host_(host),
      settings_(std::move(settings)),
      transport_(host, settings_.credentials, settings_.region, settings_.rate_limit,
                 settings_.retry, settings_.request_timeout, std::move(clock), std::move(sleeper)),
      meetings_(transport_, settings_.meetings),
      pipelines_(transport_, settings_.media_pipelines),
      s3_transport_(transport_),
      s3_(s3_transport_, s3_endpoint(settings_), s3_options(settings_)) {}

Result<std::optional<json>> ChimeVideoProvider::state(const std::string& key) {
  auto value = host_.state_get(key);
  if (!value.ok()) {
    return Error(value.error().code,
                 "reading the Chime plugin's state failed: " + value.error().message,
                 value.error().retryable);
  }
  return std::move(value).value();
}

Status ChimeVideoProvider::put_state(const std::string& key, const json& value) {
  auto stored = host_.state_put(key, value);
  if (!stored.ok()) {
    return Error(stored.error().code,
                 "writing the Chime plugin's state failed: " + stored.error().message,
                 stored.error().retryable);
  }
  return {};
}

// ---- meetings ----------------------------------------------------------------

Result<Meeting> ChimeVideoProvider::create_meeting(const std::string& key, int generation,
                                                   const wasl::sdk::CreateRoomRequest& request) {
  WASL_ASSIGN_OR_RETURN(std::string token, client_request_token(key, generation));
  CreateMeetingInput input;
  input.client_request_token = token;
  input.external_meeting_id = external_meeting_id(request.name, token);
  input.media_region = request.region.empty() ? settings_.media_region : request.region;
  if (request.participant_limit > 0) input.max_attendees = std::min(request.participant_limit, 250);
  input.sns_topic_arn = settings_.sns_topic_arn;
  input.sqs_queue_arn = settings_.sqs_queue_arn;
  input.lambda_function_arn = settings_.lambda_function_arn;
  WASL_ASSIGN_OR_RETURN(Meeting meeting, meetings_.create_meeting(input));

  std::lock_guard lock(state_mutex_);
  WASL_ASSIGN_OR_RETURN(auto existing, state(meeting_key(meeting.meeting_id)));
  json record = existing && existing->is_object() ? *existing : json::object();
  record["key"] = key;
  record["generation"] = generation;
  record["request"] = request;
  record["meeting"] = meeting.raw;
  if (!record.contains("moved_to")) record["moved_to"] = "";
  WASL_RETURN_IF_ERROR(put_state(meeting_key(meeting.meeting_id), record));
  WASL_RETURN_IF_ERROR(put_state(
      room_key(key), json{{"meeting_id", meeting.meeting_id}, {"generation", generation}}));
  return meeting;
}

Result<wasl::sdk::Room> ChimeVideoProvider::create_room(
    const wasl::sdk::CreateRoomRequest& request) {
  if (request.idempotency_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "create_room needs an idempotency key", false);
  }
  int generation = 1;
  bool created_before = false;
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto room, state(room_key(request.idempotency_key)));
    if (room && room->is_object()) {
      generation = std::max(1, room->value("generation", 1));
      created_before = true;
    }
  }
  if (!created_before) {
    if (auto wait = time_until_open(request)) {
      Error early(ErrorCode::kFailedPrecondition,
                  "the Chime meeting is created join_lead_seconds (" +
                      std::to_string(settings_.join_lead.count()) +
                      ") before the scheduled start, in " + std::to_string(wait->count()) + " ms",
                  true, *wait);
      early.deferred = true;
      return early;
    }
  }
  WASL_ASSIGN_OR_RETURN(Meeting meeting,
                        create_meeting(request.idempotency_key, generation, request));

  wasl::sdk::Room room;
  room.provider_room_id = meeting.meeting_id;
  room.name = request.name;
  room.status = "in_progress";
  room.participant_limit = request.participant_limit;
  room.created_at_ms = now_ms(host_);
  room.raw = {{"Meeting", meeting.raw},
              {"generation", generation},
              {"join_lead_seconds", settings_.join_lead.count()},
              {"reconcile_interval_seconds", settings_.reconcile_interval.count()}};
  if (request.recording) {
    WASL_ASSIGN_OR_RETURN(auto recording, start_recording({request.idempotency_key + "/recording",
                                                           meeting.meeting_id}));
    room.recording = true;
    room.raw["recording"] = recording.provider_id;
  }
  return room;
}

std::optional<std::chrono::milliseconds> ChimeVideoProvider::time_until_open(
    const wasl::sdk::CreateRoomRequest& request) {
  if (request.scheduled_start_ms <= 0) return std::nullopt;
  const std::int64_t lead_ms = settings_.join_lead.count() * 1000;
  const std::int64_t wait = request.scheduled_start_ms - lead_ms - now_ms(host_);
  if (wait <= 0) return std::nullopt;
  return std::chrono::milliseconds(wait);
}

Result<std::string> ChimeVideoProvider::current_meeting(const std::string& room_id) {
  if (room_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a Chime room id (MeetingId) is required", false);
  }
  std::string id = room_id;
  for (int hop = 0; hop < kMaxMoveHops; ++hop) {
    WASL_ASSIGN_OR_RETURN(auto record, state(meeting_key(id)));
    if (!record) return id;
    std::string next = sdk::string_member(*record, "moved_to");
    if (next.empty()) return id;
    id = next;
  }
  return id;
}

Result<std::string> ChimeVideoProvider::move_meeting(const std::string& ended_meeting_id) {
  std::string key;
  int generation = 1;
  wasl::sdk::CreateRoomRequest request;
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto record, state(meeting_key(ended_meeting_id)));
    if (!record || !record->is_object()) {
      return Error(ErrorCode::kNotFound,
                   "the Chime meeting " + ended_meeting_id +
                       " has ended and this instance did not create it, so it cannot be recreated",
                   false);
    }
    std::string moved = sdk::string_member(*record, "moved_to");
    if (!moved.empty()) return moved;
    key = sdk::string_member(*record, "key");
    generation = record->value("generation", 1);
    try {
      request = record->value("request", json::object()).get<wasl::sdk::CreateRoomRequest>();
    } catch (const json::exception&) {
      return Error(ErrorCode::kInternal,
                   "the stored request of Chime meeting " + ended_meeting_id + " is unreadable",
                   false);
    }
  }
  if (generation >= 2 || key.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the Chime meeting " + ended_meeting_id +
                     " has ended and was already recreated once; create a new room",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(Meeting meeting, create_meeting(key, generation + 1, request));
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto record, state(meeting_key(meeting.meeting_id)));
    json updated = record && record->is_object() ? *record : json::object();
    updated["moved_from"] = ended_meeting_id;
    WASL_RETURN_IF_ERROR(put_state(meeting_key(meeting.meeting_id), updated));
  }
  // The recording follows the room. Until the old meeting names the new one,
  // a failure here is retried whole (meeting and capture are token-idempotent).
  if (request.recording) {
    WASL_RETURN_IF_ERROR(start_recording(
        {key + "/recording/" + std::to_string(generation + 1), meeting.meeting_id}));
  }
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto record, state(meeting_key(ended_meeting_id)));
    json updated = record && record->is_object() ? *record : json::object();
    updated["moved_to"] = meeting.meeting_id;
    WASL_RETURN_IF_ERROR(put_state(meeting_key(ended_meeting_id), updated));
  }
  host_.log(wasl::sdk::LogLevel::kInfo, "Chime meeting " + ended_meeting_id +
                                            " had ended; the room moved to meeting " +
                                            meeting.meeting_id);
  return meeting.meeting_id;
}

Result<bool> ChimeVideoProvider::can_be_recreated(const std::string& meeting_id) {
  std::lock_guard lock(state_mutex_);
  WASL_ASSIGN_OR_RETURN(auto record, state(meeting_key(meeting_id)));
  if (!record || !record->is_object()) return false;
  if (record->value("generation", 1) >= 2 || !sdk::string_member(*record, "moved_to").empty())
    return false;
  WASL_ASSIGN_OR_RETURN(auto joined, state(joined_state_key(meeting_id)));
  return !joined.has_value();
}

Result<json> ChimeVideoProvider::meeting_document(const std::string& meeting_id) {
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto record, state(meeting_key(meeting_id)));
    if (record && record->is_object() && record->contains("meeting") &&
        (*record)["meeting"].is_object()) {
      return (*record)["meeting"];
    }
  }
  WASL_ASSIGN_OR_RETURN(Meeting meeting, meetings_.get_meeting(meeting_id));
  std::lock_guard lock(state_mutex_);
  WASL_ASSIGN_OR_RETURN(auto record, state(meeting_key(meeting_id)));
  json updated = record && record->is_object() ? *record : json::object();
  updated["meeting"] = meeting.raw;
  WASL_RETURN_IF_ERROR(put_state(meeting_key(meeting_id), updated));
  return meeting.raw;
}

Result<wasl::sdk::Room> ChimeVideoProvider::end_room(const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(ref.room_id));
  auto deleted = meetings_.delete_meeting(meeting_id);
  json record;
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto stored, state(meeting_key(meeting_id)));
    if (stored) record = *stored;
  }
  if (!deleted.ok()) {
    // Chime answers NotFound for an ended meeting as for an unknown one; a
    // meeting this instance created has therefore ended.
    if (!is_not_found(deleted.error()) || record.is_null()) return std::move(deleted).error();
  }
  wasl::sdk::Room room;
  room.provider_room_id = meeting_id;
  room.status = "completed";
  room.ended_at_ms = now_ms(host_);
  if (record.is_object()) {
    const json request = sdk::object_member(record, "request");
    room.name = sdk::string_member(request, "name");
    room.participant_limit = request.value("participant_limit", 0);
    room.raw = {{"Meeting", sdk::object_member(record, "meeting")}};
  }
  return room;
}

// ---- attendees ---------------------------------------------------------------

Result<wasl::sdk::JoinToken> ChimeVideoProvider::join_token(const std::string& meeting_id,
                                                            const Attendee& attendee,
                                                            int ttl_seconds,
                                                            const std::string& moved_from) {
  WASL_ASSIGN_OR_RETURN(json meeting, meeting_document(meeting_id));
  wasl::sdk::JoinToken token;
  token.token = json{{"Meeting", meeting}, {"Attendee", attendee.raw}}.dump();
  token.provider_participant_id = attendee.attendee_id;
  if (ttl_seconds > 0) token.expires_at_ms = now_ms(host_) + ttl_seconds * 1000LL;
  json visible = attendee.raw;
  if (visible.is_object()) visible.erase("JoinToken");
  token.raw = {{"Meeting", meeting}, {"Attendee", visible}, {"room_id", meeting_id}};
  if (!moved_from.empty()) token.raw["moved_from"] = moved_from;
  return token;
}

Result<wasl::sdk::JoinToken> ChimeVideoProvider::issue_join_token(
    const wasl::sdk::JoinTokenRequest& request) {
  WASL_ASSIGN_OR_RETURN(AttendeeCapabilities caps, capabilities_for_role(request.participant.role));
  if (request.participant.identity.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a participant identity is required", false);
  }
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(request.room_id));
  const std::string external = external_user_id_for(request.participant.identity);
  if (external != request.participant.identity) {
    std::lock_guard lock(state_mutex_);
    WASL_RETURN_IF_ERROR(put_state(identity_key(external), request.participant.identity));
  }
  AttendeeRequest item{external, caps};
  auto attendee = meetings_.create_attendee(meeting_id, item);
  if (!attendee.ok() && is_not_found(attendee.error())) {
    // The meeting ended (nobody connected for 5 minutes): recreate it once.
    WASL_ASSIGN_OR_RETURN(meeting_id, move_meeting(meeting_id));
    attendee = meetings_.create_attendee(meeting_id, item);
  }
  if (!attendee.ok()) return std::move(attendee).error();
  return join_token(meeting_id, *attendee, request.ttl_seconds,
                    meeting_id == request.room_id ? std::string() : request.room_id);
}

Result<std::vector<Result<wasl::sdk::JoinToken>>> ChimeVideoProvider::issue_join_tokens(
    const std::string& room_id, const std::vector<wasl::sdk::Participant>& participants,
    int ttl_seconds) {
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(room_id));
  std::vector<Result<wasl::sdk::JoinToken>> out;
  std::vector<AttendeeRequest> items;
  std::vector<std::size_t> index_of_item;
  std::vector<std::string> externals(participants.size());
  for (std::size_t i = 0; i < participants.size(); ++i) {
    auto caps = capabilities_for_role(participants[i].role);
    if (!caps.ok()) {
      out.emplace_back(caps.error());
      continue;
    }
    externals[i] = external_user_id_for(participants[i].identity);
    if (externals[i] != participants[i].identity) {
      std::lock_guard lock(state_mutex_);
      WASL_RETURN_IF_ERROR(put_state(identity_key(externals[i]), participants[i].identity));
    }
    out.emplace_back(Error(ErrorCode::kInternal, "no answer for this participant", false));
    items.push_back({externals[i], *caps});
    index_of_item.push_back(i);
  }
  if (items.empty()) return out;
  auto batch = meetings_.batch_create_attendee(meeting_id, items);
  if (!batch.ok() && is_not_found(batch.error())) {
    WASL_ASSIGN_OR_RETURN(meeting_id, move_meeting(meeting_id));
    batch = meetings_.batch_create_attendee(meeting_id, items);
  }
  if (!batch.ok()) return std::move(batch).error();
  const std::string moved_from = meeting_id == room_id ? std::string() : room_id;
  for (std::size_t n = 0; n < items.size(); ++n) {
    std::size_t i = index_of_item[n];
    const std::string& external = externals[i];
    auto found = std::find_if(batch->attendees.begin(), batch->attendees.end(),
                              [&](const Attendee& a) { return a.external_user_id == external; });
    if (found != batch->attendees.end()) {
      out[i] = join_token(meeting_id, *found, ttl_seconds, moved_from);
      continue;
    }
    auto error =
        std::find_if(batch->errors.begin(), batch->errors.end(),
                     [&](const AttendeeError& e) { return e.external_user_id == external; });
    if (error != batch->errors.end()) {
      bool limit =
          error->error_code == "LimitExceeded" || error->error_code == "LimitExceededException";
      out[i] = Error(limit ? ErrorCode::kResourceExhausted : ErrorCode::kInvalidArgument,
                     "Chime BatchCreateAttendee refused participant " + std::to_string(i) + ": " +
                         error->error_code + ": " + error->error_message,
                     false);
    } else {
      out[i] = Error(ErrorCode::kInternal,
                     "Chime BatchCreateAttendee answered neither an attendee nor an error for "
                     "participant " +
                         std::to_string(i),
                     true);
    }
  }
  return out;
}

Result<std::vector<wasl::sdk::Participant>> ChimeVideoProvider::list_participants(
    const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(ref.room_id));
  auto meeting = meetings_.get_meeting(meeting_id);
  if (!meeting.ok()) {
    if (is_not_found(meeting.error())) {
      WASL_ASSIGN_OR_RETURN(bool revivable, can_be_recreated(meeting_id));
      if (revivable) return std::vector<wasl::sdk::Participant>();
      return Error(ErrorCode::kNotFound,
                   "the Chime meeting " + meeting_id + " has ended (GetMeeting answered NotFound)",
                   false);
    }
    return std::move(meeting).error();
  }
  WASL_ASSIGN_OR_RETURN(auto attendees, meetings_.list_attendees(meeting_id));
  std::vector<wasl::sdk::Participant> out;
  out.reserve(attendees.size());
  for (const auto& a : attendees) {
    wasl::sdk::Participant p;
    p.identity = a.external_user_id;
    {
      std::lock_guard lock(state_mutex_);
      WASL_ASSIGN_OR_RETURN(auto mapped, state(identity_key(a.external_user_id)));
      if (mapped && mapped->is_string()) p.identity = mapped->get<std::string>();
    }
    p.provider_id = a.attendee_id;
    p.role = role_from_capabilities(capabilities_of(a.raw));
    p.status = "admitted";
    out.push_back(std::move(p));
  }
  return out;
}

Status ChimeVideoProvider::remove_participant(const wasl::sdk::ParticipantRef& participant) {
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(participant.room_id));
  auto deleted = meetings_.delete_attendee(meeting_id, participant.participant_id);
  if (!deleted.ok() && !is_not_found(deleted.error())) return std::move(deleted).error();
  return {};
}

// ---- recording ---------------------------------------------------------------

Status ChimeVideoProvider::remember_pipeline(const std::string& meeting_id,
                                             const MediaPipeline& pipeline) {
  std::lock_guard lock(state_mutex_);
  WASL_ASSIGN_OR_RETURN(auto stored, state(recordings_key(meeting_id)));
  json record = stored && stored->is_object()
                    ? *stored
                    : json{{"captures", json::array()}, {"concatenations", json::array()}};
  const char* list = pipeline.kind == MediaPipeline::Kind::kCapture ? "captures" : "concatenations";
  auto& ids = record[list];
  if (!ids.is_array()) ids = json::array();
  if (std::find(ids.begin(), ids.end(), json(pipeline.id)) == ids.end()) ids.push_back(pipeline.id);
  WASL_RETURN_IF_ERROR(put_state(recordings_key(meeting_id), record));
  return put_state(
      pipeline_state_key(pipeline.id),
      json{{"kind", pipeline.kind == MediaPipeline::Kind::kCapture ? "capture" : "concatenation"},
           {"meeting_id", meeting_id},
           {"arn", pipeline.arn},
           {"sink_arn", pipeline.sink_arn}});
}

wasl::sdk::Recording ChimeVideoProvider::to_recording(const std::string& meeting_id,
                                                      const MediaPipeline& p) const {
  wasl::sdk::Recording r;
  r.provider_id = p.id;
  r.room_id = meeting_id;
  r.kind = p.kind == MediaPipeline::Kind::kConcatenation ? "composition" : "video";
  if (p.status == "Stopped") {
    r.status = "completed";
  } else if (p.status == "Failed") {
    r.status = "failed";
  } else {
    r.status = "processing";
  }
  r.content_type = "video/mp4";
  r.created_at_ms = sdk::parse_iso8601(p.created_at).value_or(0);
  r.raw = p.raw;
  return r;
}

Result<std::optional<MediaPipeline>> ChimeVideoProvider::find_capture(const std::string& meeting_id,
                                                                      bool active_only) {
  json ids = json::array();
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto stored, state(recordings_key(meeting_id)));
    if (stored && stored->is_object() && (*stored)["captures"].is_array()) {
      ids = (*stored)["captures"];
    }
  }
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    if (!it->is_string()) continue;
    const std::string id = it->get<std::string>();
    auto pipeline = pipelines_.get_capture(id);
    if (!pipeline.ok()) {
      if (!is_not_found(pipeline.error())) return std::move(pipeline).error();
      if (active_only) continue;
      // Deleted captures are no longer known to Chime: what was stored when it
      // was created is enough to concatenate it.
      std::lock_guard lock(state_mutex_);
      WASL_ASSIGN_OR_RETURN(auto stored, state(pipeline_state_key(id)));
      if (!stored || sdk::string_member(*stored, "arn").empty()) continue;
      MediaPipeline stopped;
      stopped.kind = MediaPipeline::Kind::kCapture;
      stopped.id = id;
      stopped.arn = sdk::string_member(*stored, "arn");
      stopped.sink_arn = sdk::string_member(*stored, "sink_arn");
      stopped.status = "Stopped";
      return std::optional<MediaPipeline>(stopped);
    }
    if (!active_only || pipeline->active()) return std::optional<MediaPipeline>(*pipeline);
  }
  if (!active_only) return std::optional<MediaPipeline>();
  // Not started by this instance (or its state was lost): ask Chime.
  WASL_ASSIGN_OR_RETURN(json meeting, meeting_document(meeting_id));
  const std::string meeting_arn = sdk::string_member(meeting, "MeetingArn");
  auto listed = pipelines_.list_captures();
  if (!listed.ok()) return std::optional<MediaPipeline>();
  std::size_t scanned = 0;
  for (const auto& id : *listed) {
    if (++scanned > kMaxCapturesScanned) break;
    auto pipeline = pipelines_.get_capture(id);
    if (pipeline.ok() && pipeline->source_arn == meeting_arn && pipeline->active()) {
      return std::optional<MediaPipeline>(*pipeline);
    }
  }
  return std::optional<MediaPipeline>();
}

Result<wasl::sdk::Recording> ChimeVideoProvider::start_recording(const wasl::sdk::RoomRef& ref) {
  if (settings_.capture_bucket_arn.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "recording needs capture.bucket_arn in the Chime instance settings", false);
  }
  WASL_ASSIGN_OR_RETURN(std::string token, client_request_token(ref.idempotency_key));
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(ref.room_id));
  WASL_ASSIGN_OR_RETURN(json meeting, meeting_document(meeting_id));
  const std::string meeting_arn = sdk::string_member(meeting, "MeetingArn");
  if (meeting_arn.empty()) {
    return Error(ErrorCode::kInternal, "Chime meeting " + meeting_id + " has no MeetingArn", false);
  }
  auto created = pipelines_.create_capture(token, meeting_arn, settings_.capture_sink_arn());
  if (!created.ok()) {
    if (created.error().code != ErrorCode::kAlreadyExists) return std::move(created).error();
    // One active capture per meeting: the running one is the answer.
    WASL_ASSIGN_OR_RETURN(auto running, find_capture(meeting_id, true));
    if (!running) return std::move(created).error();
    created = *running;
  }
  WASL_RETURN_IF_ERROR(remember_pipeline(meeting_id, *created));
  return to_recording(meeting_id, *created);
}

Result<MediaPipeline> ChimeVideoProvider::concatenate(const std::string& meeting_id,
                                                      const MediaPipeline& capture) {
  // Derived from the capture, itself created under Wasl's key: stop_recording
  // and request_composition ask for the same single concatenation.
  WASL_ASSIGN_OR_RETURN(std::string token, client_request_token("concatenation/" + capture.id));
  std::string sink = settings_.capture_sink_arn();
  if (sink.empty()) sink = capture.sink_arn;
  WASL_ASSIGN_OR_RETURN(MediaPipeline pipeline,
                        pipelines_.create_concatenation(token, capture.arn, sink));
  WASL_RETURN_IF_ERROR(remember_pipeline(meeting_id, pipeline));
  return pipeline;
}

Status ChimeVideoProvider::stop_recording(const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(ref.room_id));
  WASL_ASSIGN_OR_RETURN(auto capture, find_capture(meeting_id, false));
  if (!capture) return {};  // never recorded: not recording
  if (capture->active()) {
    auto deleted = pipelines_.delete_capture(capture->id);
    if (!deleted.ok() && !is_not_found(deleted.error())) return std::move(deleted).error();
  }
  WASL_RETURN_IF_ERROR(concatenate(meeting_id, *capture));
  return {};
}

Result<wasl::sdk::Recording> ChimeVideoProvider::request_composition(
    const wasl::sdk::CompositionRequest& request) {
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(request.room_id));
  WASL_ASSIGN_OR_RETURN(auto capture, find_capture(meeting_id, false));
  if (!capture) {
    return Error(ErrorCode::kFailedPrecondition,
                 "no recording was started for Chime meeting " + meeting_id, false);
  }
  WASL_ASSIGN_OR_RETURN(MediaPipeline pipeline, concatenate(meeting_id, *capture));
  return to_recording(meeting_id, pipeline);
}

Result<std::vector<wasl::sdk::Recording>> ChimeVideoProvider::list_recordings(
    const wasl::sdk::RoomRef& ref) {
  WASL_ASSIGN_OR_RETURN(std::string meeting_id, current_meeting(ref.room_id));
  json record;
  {
    std::lock_guard lock(state_mutex_);
    WASL_ASSIGN_OR_RETURN(auto stored, state(recordings_key(meeting_id)));
    if (stored) record = *stored;
  }
  std::vector<wasl::sdk::Recording> out;
  if (!record.is_object()) return out;
  for (const char* list : {"captures", "concatenations"}) {
    const json ids = sdk::array_member(record, list);
    for (const auto& id : ids) {
      if (!id.is_string()) continue;
      auto pipeline = pipelines_.get_pipeline(id.get<std::string>());
      if (!pipeline.ok()) {
        if (is_not_found(pipeline.error())) continue;
        return std::move(pipeline).error();
      }
      out.push_back(to_recording(meeting_id, *pipeline));
    }
  }
  return out;
}

Result<wasl::sdk::MediaInfo> ChimeVideoProvider::fetch_media(const wasl::sdk::MediaRef& media,
                                                             const wasl::sdk::ChunkSink& sink) {
  std::string bucket;
  std::string key;
  const std::string s3_scheme = "s3://";
  if (media.media_id.rfind(s3_scheme, 0) == 0) {
    std::string rest = media.media_id.substr(s3_scheme.size());
    auto slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
      return Error(ErrorCode::kInvalidArgument, "a media id s3://bucket/key names no object",
                   false);
    }
    bucket = rest.substr(0, slash);
    key = rest.substr(slash + 1);
  } else {
    WASL_ASSIGN_OR_RETURN(MediaPipeline pipeline, pipelines_.get_pipeline(media.media_id));
    if (pipeline.kind != MediaPipeline::Kind::kConcatenation) {
      return Error(ErrorCode::kInvalidArgument,
                   "media " + media.media_id +
                       " is a capture pipeline (many chunk files); fetch its composition",
                   false);
    }
    if (pipeline.status == "Failed") {
      return Error(ErrorCode::kFailedPrecondition,
                   "the Chime concatenation " + pipeline.id + " failed", false);
    }
    if (pipeline.status != "Stopped") {
      return Error(ErrorCode::kFailedPrecondition,
                   "the Chime concatenation " + pipeline.id + " is still " + pipeline.status, true,
                   kProcessingRetry);
    }
    auto [sink_bucket, prefix] = split_s3_arn(pipeline.sink_arn);
    if (sink_bucket.empty()) {
      return Error(ErrorCode::kInternal,
                   "the Chime concatenation " + pipeline.id + " names no S3 sink", false);
    }
    const std::string folder = (prefix.empty() ? "" : prefix + "/") + "composited-video/";
    WASL_ASSIGN_OR_RETURN(auto objects, s3_.list_objects(sink_bucket, folder));
    auto found =
        std::find_if(objects.begin(), objects.end(), [&](const wasl::sdk::aws::S3ObjectSummary& o) {
          return o.key.find(pipeline.id) != std::string::npos;
        });
    if (found == objects.end() && objects.size() == 1) found = objects.begin();
    if (found == objects.end()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "the file of Chime concatenation " + pipeline.id + " is not in S3 yet", true,
                   kProcessingRetry);
    }
    bucket = sink_bucket;
    key = found->key;
  }
  WASL_ASSIGN_OR_RETURN(wasl::sdk::aws::S3ObjectRead read,
                        s3_.get_object(bucket, key, 0, std::nullopt, sink));
  wasl::sdk::MediaInfo info;
  info.content_type = read.content_type.empty() ? "video/mp4" : read.content_type;
  info.size_bytes = read.delivered;
  return info;
}

}  // namespace wasl::plugins::chime
