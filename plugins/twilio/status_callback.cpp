#include "plugins/twilio/status_callback.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <tuple>

#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::twilio {
namespace {

enum class Resource { kRoom, kParticipant, kRecording, kComposition };

struct Mapping {
  std::string_view provider_event;
  std::string_view type;
  Resource resource;
  int rank;  // lifecycle order for equal timestamps
};

constexpr std::array<Mapping, 11> kMappings{{
    {"room-created", "room.started", Resource::kRoom, 0},
    {"participant-connected", "participant.connected", Resource::kParticipant, 1},
    {"recording-started", "recording.started", Resource::kRecording, 2},
    {"recording-failed", "recording.failed", Resource::kRecording, 3},
    {"participant-disconnected", "participant.disconnected", Resource::kParticipant, 4},
    {"recording-completed", "recording.completed", Resource::kRecording, 5},
    {"room-ended", "room.ended", Resource::kRoom, 6},
    {"composition-enqueued", "composition.enqueued", Resource::kComposition, 7},
    {"composition-progress", "composition.progress", Resource::kComposition, 8},
    {"composition-failed", "composition.failed", Resource::kComposition, 9},
    {"composition-available", "composition.completed", Resource::kComposition, 10},
}};

const Mapping* find_mapping(std::string_view provider_event) {
  for (const auto& m : kMappings) {
    if (m.provider_event == provider_event) return &m;
  }
  return nullptr;
}

int rank_of(std::string_view provider_event) {
  const Mapping* m = find_mapping(provider_event);
  return m ? m->rank : static_cast<int>(kMappings.size());
}

sdk::Error invalid_callback(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message), false);
}

std::string value_or_empty(const FormFields& fields, std::string_view name) {
  return form_value(fields, name).value_or(std::string());
}

nlohmann::json payload_of(const FormFields& fields) {
  nlohmann::json payload = nlohmann::json::object();
  for (const auto& field : fields) {
    auto it = payload.find(field.name);
    if (it == payload.end()) {
      payload[field.name] = field.value;
    } else if (it->is_array()) {
      it->push_back(field.value);
    } else {
      *it = nlohmann::json::array({*it, field.value});
    }
  }
  return payload;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_twilio_timestamp(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  std::optional<std::int64_t> ms = sdk::parse_iso8601(text);
  if (!ms) ms = sdk::parse_http_date(text);
  if (!ms) return std::nullopt;
  // system_clock counts nanoseconds in 64 bits: about 1678 to 2262. A year
  // outside that is no Twilio timestamp (and would overflow).
  constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / 1000000;
  if (*ms > kLimit || *ms < -kLimit) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms));
}

sdk::Result<std::optional<StatusCallbackEvent>> parse_status_callback(const FormFields& fields) {
  auto provider_event = form_value(fields, "StatusCallbackEvent");
  if (!provider_event || provider_event->empty()) {
    return invalid_callback("Twilio status callback has no StatusCallbackEvent field");
  }
  const Mapping* mapping = find_mapping(*provider_event);
  if (mapping == nullptr) return std::optional<StatusCallbackEvent>();

  auto timestamp = form_value(fields, "Timestamp");
  if (!timestamp) {
    return invalid_callback("Twilio status callback " + std::string(mapping->provider_event) +
                            " has no Timestamp field");
  }
  auto occurred_at = parse_twilio_timestamp(*timestamp);
  if (!occurred_at) {
    return invalid_callback("Twilio status callback " + std::string(mapping->provider_event) +
                            " has a Timestamp that is neither ISO 8601 nor RFC 2822");
  }

  StatusCallbackEvent event;
  event.type = std::string(mapping->type);
  event.provider_event = std::string(mapping->provider_event);
  event.account_sid = value_or_empty(fields, "AccountSid");
  event.room_sid = value_or_empty(fields, "RoomSid");
  event.room_name = value_or_empty(fields, "RoomName");
  event.participant_sid = value_or_empty(fields, "ParticipantSid");
  event.participant_identity = value_or_empty(fields, "ParticipantIdentity");
  event.recording_sid = value_or_empty(fields, "RecordingSid");
  event.composition_sid = value_or_empty(fields, "CompositionSid");
  event.occurred_at = *occurred_at;
  event.payload = payload_of(fields);

  auto require = [&](const std::string& value, std::string_view field) -> sdk::Status {
    if (value.empty()) {
      return invalid_callback("Twilio status callback " + event.provider_event + " has no " +
                              std::string(field) + " field");
    }
    return sdk::ok_status();
  };

  std::string subject;
  std::string qualifier;
  switch (mapping->resource) {
    case Resource::kRoom:
      WASL_RETURN_IF_ERROR(require(event.room_sid, "RoomSid"));
      subject = event.room_sid;
      break;
    case Resource::kParticipant:
      WASL_RETURN_IF_ERROR(require(event.room_sid, "RoomSid"));
      WASL_RETURN_IF_ERROR(require(event.participant_sid, "ParticipantSid"));
      subject = event.participant_sid;
      break;
    case Resource::kRecording:
      WASL_RETURN_IF_ERROR(require(event.room_sid, "RoomSid"));
      if (event.recording_sid.empty() && event.provider_event == "recording-failed") {
        // A failed recording request may name no recording: key it by room,
        // failed operation and time, which a redelivery repeats verbatim.
        subject = event.room_sid;
        qualifier = value_or_empty(fields, "FailedOperation") + "@" + *timestamp;
      } else {
        WASL_RETURN_IF_ERROR(require(event.recording_sid, "RecordingSid"));
        subject = event.recording_sid;
      }
      break;
    case Resource::kComposition:
      WASL_RETURN_IF_ERROR(require(event.composition_sid, "CompositionSid"));
      subject = event.composition_sid;
      if (event.provider_event == "composition-progress") {
        qualifier = value_or_empty(fields, "PercentageDone");
        if (qualifier.empty()) qualifier = *timestamp;
      }
      break;
  }
  event.dedupe_key = "twilio:" + event.provider_event + ":" + subject;
  if (!qualifier.empty()) event.dedupe_key += ":" + qualifier;
  return std::optional<StatusCallbackEvent>(std::move(event));
}

sdk::Result<std::optional<StatusCallbackEvent>> parse_status_callback_body(std::string_view body) {
  WASL_ASSIGN_OR_RETURN(FormFields fields, parse_form(body));
  return parse_status_callback(fields);
}

bool occurs_before(const StatusCallbackEvent& a, const StatusCallbackEvent& b) {
  return std::forward_as_tuple(a.occurred_at, rank_of(a.provider_event), a.dedupe_key) <
         std::forward_as_tuple(b.occurred_at, rank_of(b.provider_event), b.dedupe_key);
}

void sort_by_occurrence(std::vector<StatusCallbackEvent>& events) {
  std::stable_sort(events.begin(), events.end(), occurs_before);
}

sdk::Event to_sdk_event(const StatusCallbackEvent& event) {
  sdk::Event out;
  out.type = event.type;
  out.room_id = event.room_sid;
  out.participant_id =
      event.participant_identity.empty() ? event.participant_sid : event.participant_identity;
  out.recording_id = event.composition_sid.empty() ? event.recording_sid : event.composition_sid;
  out.occurred_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(event.occurred_at.time_since_epoch())
          .count();
  out.dedupe_key = event.dedupe_key;
  out.payload = event.payload;
  return out;
}

}  // namespace wasl::plugins::twilio
