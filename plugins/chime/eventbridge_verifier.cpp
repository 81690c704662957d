#include "plugins/chime/eventbridge_verifier.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "plugins/chime/chime_video_provider.hpp"
#include "wasl/sdk/aws/sigv4.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::chime {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Event;
using wasl::sdk::Result;

namespace {

Error unauthenticated(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message), false);
}

Error invalid_event(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

bool digest(std::string_view data, unsigned char out[EVP_MAX_MD_SIZE]) {
  unsigned int size = 0;
  return EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr) == 1 && size == 32;
}

constexpr int kMaxEventMoveHops = 8;

}  // namespace

Result<std::optional<json>> EventBridgeVerifier::stored(const std::string& key) {
  auto value = host_.state_get(key);
  if (!value.ok()) {
    return Error(value.error().code,
                 "reading the Chime plugin's state failed: " + value.error().message,
                 value.error().retryable);
  }
  return std::move(value).value();
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  unsigned char da[EVP_MAX_MD_SIZE];
  unsigned char db[EVP_MAX_MD_SIZE];
  if (!digest(a, da) || !digest(b, db)) return false;
  return CRYPTO_memcmp(da, db, 32) == 0;
}

EventBridgeVerifier::EventBridgeVerifier(wasl::sdk::Host& host, ChimeSettings settings)
    : host_(host), settings_(std::move(settings)) {}

wasl::sdk::Status EventBridgeVerifier::authenticate(
    const wasl::sdk::WebhookRequest& request) const {
  if (settings_.eventbridge_header_value.empty()) {
    return unauthenticated(
        "no EventBridge secret is configured for this Chime instance (eventbridge.header_value)");
  }
  const std::string& name = settings_.eventbridge_header_name;
  const std::string* presented = nullptr;
  for (const auto& [key, value] : request.headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) {
      presented = &value;
      break;
    }
  }
  if (presented == nullptr) return unauthenticated("the EventBridge secret header is missing");
  if (!constant_time_equals(*presented, settings_.eventbridge_header_value)) {
    return unauthenticated("the EventBridge secret header does not match");
  }
  return {};
}

Result<std::vector<Event>> EventBridgeVerifier::normalize(const json& event) {
  if (!event.is_object()) return invalid_event("an EventBridge event must be a JSON object");
  if (sdk::string_member(event, "source") != "aws.chime") {
    return invalid_event("the event's source is not aws.chime");
  }
  const json detail = sdk::object_member(event, "detail");
  const std::string event_type = sdk::string_member(detail, "eventType");
  if (!detail.is_object() || event_type.empty()) {
    return invalid_event("the Chime event has no detail.eventType");
  }
  const std::string meeting_id = sdk::string_member(detail, "meetingId");
  const std::string attendee_id = sdk::string_member(detail, "attendeeId");
  const std::string pipeline_id = sdk::string_member(detail, "mediaPipelineId");

  std::string type;
  if (event_type == "chime:MeetingStarted") {
    type = "room.started";
  } else if (event_type == "chime:MeetingEnded") {
    type = "room.ended";
  } else if (event_type == "chime:AttendeeJoined") {
    type = "participant.connected";
  } else if (event_type == "chime:AttendeeLeft" || event_type == "chime:AttendeeDropped") {
    type = "participant.disconnected";
  } else if (event_type == "chime:MediaPipelineInProgress") {
    type = "recording.started";
  } else if (event_type == "chime:MediaPipelinePermanentFailure") {
    type = "recording.failed";
  } else if (event_type == "chime:MediaPipelineDeleted") {
    // Only a capture this plugin recorded is a track recording's end. Any
    // other pipeline counts as the composition: its create answer may have
    // been lost before the plugin recorded it, and a wait left unsatisfied
    // would hold the run, whereas an early composition.completed only makes
    // the archive step poll (fetch_media answers "not yet" until it is done).
    type = "composition.completed";
    if (!pipeline_id.empty()) {
      auto known = host_.state_get(pipeline_state_key(pipeline_id));
      if (known.ok() && known->has_value() && sdk::string_member(**known, "kind") == "capture") {
        type = "recording.completed";
      }
    }
  } else {
    return std::vector<Event>();
  }
  if (meeting_id.empty())
    return invalid_event("the Chime event " + event_type + " has no meetingId");

  WASL_ASSIGN_OR_RETURN(auto record, stored(meeting_state_key(meeting_id)));
  if (event_type == "chime:AttendeeJoined") {
    auto put = host_.state_put(joined_state_key(meeting_id), true);
    if (!put.ok()) return std::move(put).error();
  } else if (event_type == "chime:MeetingEnded" && record) {
    // A first meeting that expired before anyone connected is recreated on
    // the next join: the room goes on, so this end is not the room's.
    bool first =
        record->value("generation", 1) < 2 && sdk::string_member(*record, "moved_to").empty();
    WASL_ASSIGN_OR_RETURN(auto joined, stored(joined_state_key(meeting_id)));
    if (first && !joined) return std::vector<Event>();
  }

  Event out;
  out.type = type;
  // The hub knows a room by its first meeting: events of a recreated meeting
  // name that one.
  out.room_id = meeting_id;
  for (int hop = 0; hop < kMaxEventMoveHops && record; ++hop) {
    std::string previous = sdk::string_member(*record, "moved_from");
    if (previous.empty()) break;
    out.room_id = previous;
    WASL_ASSIGN_OR_RETURN(record, stored(meeting_state_key(previous)));
  }
  out.participant_id = attendee_id;
  out.recording_id = pipeline_id;
  // detail.timestamp has milliseconds; the envelope's time only seconds, so
  // it serves when the detail lacks one.
  if (detail.contains("timestamp") && detail["timestamp"].is_number_integer()) {
    out.occurred_at_ms = detail["timestamp"].get<std::int64_t>();
  } else if (auto time = sdk::parse_iso8601(sdk::string_member(event, "time"))) {
    out.occurred_at_ms = *time;
  }
  std::string id = sdk::string_member(event, "id");
  if (!id.empty()) {
    out.dedupe_key = "chime:" + id;
  } else {
    auto hashed =
        wasl::sdk::aws::sha256_hex(sdk::string_member(event, "detail-type") + "\n" + detail.dump());
    if (!hashed.ok()) return std::move(hashed).error();
    out.dedupe_key = "chime:sha256:" + *hashed;
  }
  out.payload = event;
  return std::vector<Event>{std::move(out)};
}

Result<std::vector<Event>> EventBridgeVerifier::verify(const wasl::sdk::WebhookRequest& request) {
  WASL_RETURN_IF_ERROR(authenticate(request));
  if (std::string problem = wasl::sdk::json_budget_problem(request.body); !problem.empty()) {
    return invalid_event("the EventBridge request body " + problem);
  }
  json body = wasl::sdk::parse_json_within(request.body);
  if (body.is_discarded()) return invalid_event("the EventBridge request body is not JSON");
  std::vector<Event> events;
  if (body.is_array() && body.size() > wasl::sdk::kMaxWebhookEvents) {
    return Error(ErrorCode::kResourceExhausted,
                 "the EventBridge request carries " + std::to_string(body.size()) +
                     " events, more than " + std::to_string(wasl::sdk::kMaxWebhookEvents),
                 false);
  }
  const json items = body.is_array() ? body : json::array({body});
  for (const auto& item : items) {
    WASL_ASSIGN_OR_RETURN(auto normalized, normalize(item));
    for (auto& e : normalized) events.push_back(std::move(e));
  }
  return events;
}

}  // namespace wasl::plugins::chime
