// Twilio Video status callbacks (form-encoded POSTs to a room's or a
// composition's StatusCallback URL) parsed into normalized events.
//
// Twilio event (StatusCallbackEvent)   → type (the hub's event vocabulary)
//   room-created                        → room.started
//   room-ended                          → room.ended
//   participant-connected               → participant.connected
//   participant-disconnected            → participant.disconnected
//   recording-started                   → recording.started
//   recording-completed                 → recording.completed
//   recording-failed                    → recording.failed
//   composition-enqueued                → composition.enqueued
//   composition-progress                → composition.progress
//   composition-available               → composition.completed
//   composition-failed                  → composition.failed
// Other events (track-*, composition-started, …) are valid but carry nothing
// Wasl acts on: parse_status_callback returns std::nullopt for them.
//
// Order: callbacks arrive out of order and may be delivered twice. Events are
// ordered by Timestamp (ISO 8601 UTC with milliseconds, e.g.
// "2025-10-27T18:16:01.876Z"; RFC 2822 dates are accepted too), never by
// SequenceNumber: SequenceNumber counts within one room's callback stream
// only, composition callbacks carry none, so it cannot order a room's events
// against its recordings and compositions. Equal timestamps fall back to the
// lifecycle rank of the event (room start before joins before leaves before
// room end before compositions) and then to the dedupe key, so the order is
// total and deterministic.
//
// dedupe_key = "twilio:" + StatusCallbackEvent + ":" + the SID of the resource
// the event is about (room, participant, recording or composition) + the
// status qualifier when one event name can recur for that resource
// (composition-progress: PercentageDone). It uses only what Twilio repeats
// verbatim on redelivery, so a retry of the same callback has the same key.
//
// The normalized event's participant_id is the participant's identity (the
// hub's participant id, which the hub holds as provider_participant_id and
// which video.remove_participant accepts in place of the SID), or the
// ParticipantSid when a callback carries no identity.
//
// Pure and thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/twilio/form_encoding.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::twilio {

struct StatusCallbackEvent {
  std::string type;            // normalized, see the table above
  std::string provider_event;  // Twilio's StatusCallbackEvent, e.g. "room-ended"
  std::string account_sid;
  std::string room_sid;         // "RM…"; empty only for a composition callback without one
  std::string room_name;        // the room's UniqueName, when Twilio sends it
  std::string participant_sid;  // "PA…", participant events (and recordings of one)
  std::string participant_identity;
  std::string recording_sid;                          // "RT…", recording events
  std::string composition_sid;                        // "CJ…", composition events
  std::chrono::system_clock::time_point occurred_at;  // from Timestamp, UTC
  nlohmann::json payload;  // every field as sent; a repeated name becomes an array
  std::string dedupe_key;
};

// Parses one callback's fields. std::nullopt for a well-formed callback of an
// event Wasl ignores. kInvalidArgument (naming the field, never its value)
// when StatusCallbackEvent or Timestamp is missing, Timestamp does not parse,
// or the SID the event is about is missing.
sdk::Result<std::optional<StatusCallbackEvent>> parse_status_callback(const FormFields& fields);

// parse_form + parse_status_callback.
sdk::Result<std::optional<StatusCallbackEvent>> parse_status_callback_body(std::string_view body);

// Parses Twilio's Timestamp: ISO 8601 (sdk::parse_iso8601: fractional seconds
// optional, "Z" or ±hh:mm) or RFC 2822/1123 (sdk::parse_http_date), to the
// millisecond. std::nullopt when neither parses.
std::optional<std::chrono::system_clock::time_point> parse_twilio_timestamp(std::string_view text);

// Strict weak order by occurred_at, then lifecycle rank, then dedupe_key.
bool occurs_before(const StatusCallbackEvent& a, const StatusCallbackEvent& b);

// Sorts in place with occurs_before.
void sort_by_occurrence(std::vector<StatusCallbackEvent>& events);

// The SDK's event: room_id = room SID, participant_id = participant SID,
// recording_id = recording or composition SID, occurred_at_ms from Timestamp.
sdk::Event to_sdk_event(const StatusCallbackEvent& event);

}  // namespace wasl::plugins::twilio
