// TwilioVideoProvider: sdk::VideoProvider on Twilio Programmable Video
// (REST v1, group rooms). One object per plugin instance.
//
// Mapping:
//   create_room          UniqueName = room_unique_name(idempotency key). The
//                        room remembered for the key (Host::state) is fetched
//                        by SID; else GET /v1/Rooms?UniqueName=…&Status=
//                        in-progress, then …&Status=completed; only when none
//                        exists POST /v1/Rooms (Type=group, StatusCallback,
//                        MaxParticipants, EmptyRoomTimeout, UnusedRoomTimeout,
//                        MaxParticipantDuration, RecordParticipantsOnConnect,
//                        MediaRegion). A 53113 "Room exists" answer (a lost
//                        answer to an earlier attempt, or a concurrent one)
//                        re-fetches the in-progress room. So a retry never
//                        makes a second room.
//   end_room             POST /v1/Rooms/{sid} Status=completed; a room that
//                        is already completed is answered as it is.
//   issue_join_token     an Access Token (access_token.hpp): identity =
//                        participant identity, grant limited to room_id, TTL
//                        from the request (settings.token_ttl when 0), at most
//                        24 h. No REST call.
//   list_participants    GET /v1/Rooms/{room}/Participants (every page).
//   get_room             GET /v1/Rooms/{room} (FetchRoom): status in-progress
//                        → "in_progress", completed, failed. Twilio keeps
//                        listing the participants of a completed room, so
//                        this, not list_participants, tells that it ended.
//   remove_participant   POST …/Participants/{sid} Status=disconnected; a
//                        participant already gone (404, or disconnected) is
//                        success.
//   start_recording      POST …/RecordingRules Rules=[{"type":"include","all":true}]
//   stop_recording       POST …/RecordingRules Rules=[{"type":"exclude","all":true}]
//   list_recordings      GET /v1/Rooms/{room}/Recordings and
//                        GET /v1/Compositions?RoomSid=… (kind "composition").
//   request_composition  the room's existing composition (enqueued,
//                        processing or completed) if any, else POST
//                        /v1/Compositions (grid VideoLayout over every video
//                        source, AudioSources=*, Format, Resolution,
//                        StatusCallback, Trim). Before the room has completed
//                        (Twilio 53150) the answer is kFailedPrecondition,
//                        retryable after composition.poll_interval.
//   fetch_media          GET the composition (or recording); while it is
//                        enqueued/processing: kFailedPrecondition, retryable
//                        with retry_after = composition.poll_interval, so the
//                        engine polls with its backoff when
//                        composition-available does not come. Completed:
//                        GET …/Media (credentials) → follow the 3xx Location
//                        (or {"redirect_to"}) without credentials, only to an
//                        allowed host, streamed to the sink; the first 64 KiB
//                        are held back until the answer's status is known, so
//                        an error page never reaches the sink.
//
// Thread-safe: no mutable members besides the Host's own thread-safe state.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/twilio/rest_client.hpp"
#include "plugins/twilio/settings.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::plugins::twilio {

class TwilioVideoProvider final : public sdk::VideoProvider {
 public:
  // `host` outlives the provider.
  TwilioVideoProvider(sdk::Host& host, TwilioSettings settings);

  sdk::Result<sdk::Room> create_room(const sdk::CreateRoomRequest& request) override;
  sdk::Result<sdk::Room> end_room(const sdk::RoomRef& room) override;
  sdk::Result<sdk::JoinToken> issue_join_token(const sdk::JoinTokenRequest& request) override;
  sdk::Result<std::vector<sdk::Participant>> list_participants(const sdk::RoomRef& room) override;
  sdk::Result<sdk::Room> get_room(const sdk::RoomRef& room) override;
  sdk::Status remove_participant(const sdk::ParticipantRef& participant) override;
  sdk::Result<sdk::Recording> start_recording(const sdk::RoomRef& room) override;
  sdk::Status stop_recording(const sdk::RoomRef& room) override;
  sdk::Result<std::vector<sdk::Recording>> list_recordings(const sdk::RoomRef& room) override;
  sdk::Result<sdk::Recording> request_composition(const sdk::CompositionRequest& request) override;
  sdk::Result<sdk::MediaInfo> fetch_media(const sdk::MediaRef& media,
                                          const sdk::ChunkSink& sink) override;

  // Data minimisation after Wasl has archived `media` (a composition "CJ…" or
  // a recording "RT…"): deletes it at Twilio and, for a composition, every
  // completed track recording of its room. Call only once the archive is
  // durably committed. Idempotent: what is already gone counts as deleted.
  // Does nothing (and succeeds) when settings.delete_after_archive is off.
  // kFailedPrecondition, retryable, while a recording of the room is still
  // processing. The hub reaches it as "video.release_media" after
  // hub.archive_recording has committed.
  sdk::Status release_media(const sdk::MediaRef& media) override;

  const TwilioSettings& settings() const { return settings_; }

 private:
  sdk::Result<std::optional<nlohmann::json>> find_room(const std::string& unique_name,
                                                       const std::string& status);
  sdk::Result<std::string> room_sid(const std::string& room_id);
  sdk::Result<std::vector<nlohmann::json>> compositions_of(const std::string& room_sid);
  sdk::Result<sdk::Recording> set_recording_rules(const sdk::RoomRef& room, const char* type);
  sdk::Result<std::string> media_location(const sdk::HttpResponse& answer) const;
  bool media_location_allowed(const std::string& location) const;

  sdk::Host& host_;
  const TwilioSettings settings_;
  TwilioRestClient rest_;
};

// JSON → SDK value mappings (exposed for the tests).
sdk::Room room_from_twilio(const nlohmann::json& room);
sdk::Recording recording_from_twilio(const nlohmann::json& recording);
sdk::Recording composition_from_twilio(const nlohmann::json& composition);

}  // namespace wasl::plugins::twilio
