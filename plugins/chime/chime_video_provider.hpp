// ChimeVideoProvider: sdk::VideoProvider on Amazon Chime SDK Meetings and
// Media Pipelines. One object per plugin instance.
//
// Mapping (see README.md for the whole story):
//   create_room          CreateMeeting, ClientRequestToken = SHA-256 of the key;
//                        before scheduled_start_ms − join_lead_seconds, a
//                        deferral (Error::deferred, retry_after = time left)
//                        instead, so the meeting cannot expire unused first
//   issue_join_token     CreateAttendee (ExternalUserId = participant identity),
//                        capabilities from the role; token = {Meeting, Attendee}
//                        JSON a Chime client joins with. When the meeting has
//                        ended (404), a new meeting is created once, under the
//                        room's key at generation 2, and the token is for it
//                        (JoinToken::raw.room_id names the new meeting,
//                        raw.moved_from the old one); a recording room gets
//                        a capture on the new meeting too.
//   end_room             DeleteMeeting
//   list_participants    GetMeeting (kNotFound = the meeting ended: the hub's
//                        reconciliation poll) then ListAttendees, every page;
//                        a first meeting that expired with nobody ever
//                        connected is still open (empty): it is recreated on
//                        the next join
//   remove_participant   DeleteAttendee
//   start_recording      CreateMediaCapturePipeline to the S3 sink; 409 (one
//                        active per meeting) answers the running capture
//   stop_recording       DeleteMediaCapturePipeline, then
//                        CreateMediaConcatenationPipeline (one file)
//   request_composition  the same concatenation (idempotent)
//   list_recordings      the captures and concatenations made for the room
//   fetch_media          S3 GetObject of a finished concatenation, streamed
//
// What it remembers (Host::state, per instance, survives restarts): for each
// room key its meeting and generation; for each meeting the create request
// (to recreate it), the Meeting document (MediaPlacement) and where it moved;
// the meeting's capture and concatenation pipelines.
//
// Thread-safe: calls may come from several workers; read-modify-write of the
// state is serialised by a mutex.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/chime/aws_transport.hpp"
#include "plugins/chime/media_pipelines_client.hpp"
#include "plugins/chime/meetings_client.hpp"
#include "plugins/chime/s3_host_transport.hpp"
#include "plugins/chime/settings.hpp"
#include "wasl/sdk/aws/s3_client.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::plugins::chime {

class ChimeVideoProvider final : public wasl::sdk::VideoProvider {
 public:
  // `host` outlives the provider. `clock`/`sleeper` are for tests (see AwsTransport).
  ChimeVideoProvider(wasl::sdk::Host& host, ChimeSettings settings, TokenBucket::Clock clock = {},
                     AwsTransport::Sleeper sleeper = {});

  wasl::sdk::Result<wasl::sdk::Room> create_room(
      const wasl::sdk::CreateRoomRequest& request) override;
  wasl::sdk::Result<wasl::sdk::Room> end_room(const wasl::sdk::RoomRef& room) override;
  wasl::sdk::Result<wasl::sdk::JoinToken> issue_join_token(
      const wasl::sdk::JoinTokenRequest& request) override;
  wasl::sdk::Result<std::vector<wasl::sdk::Participant>> list_participants(
      const wasl::sdk::RoomRef& room) override;
  wasl::sdk::Status remove_participant(const wasl::sdk::ParticipantRef& participant) override;
  wasl::sdk::Result<wasl::sdk::Recording> start_recording(const wasl::sdk::RoomRef& room) override;
  wasl::sdk::Status stop_recording(const wasl::sdk::RoomRef& room) override;
  wasl::sdk::Result<std::vector<wasl::sdk::Recording>> list_recordings(
      const wasl::sdk::RoomRef& room) override;
  wasl::sdk::Result<wasl::sdk::Recording> request_composition(
      const wasl::sdk::CompositionRequest& request) override;
  wasl::sdk::Result<wasl::sdk::MediaInfo> fetch_media(const wasl::sdk::MediaRef& media,
                                                      const wasl::sdk::ChunkSink& sink) override;

  // Adds several participants in BatchCreateAttendee calls of at most 100.
  // Each participant gets a JoinToken or an error of its own (a refused item
  // in Chime's Errors[] becomes kInvalidArgument, or kResourceExhausted for
  // LimitExceeded); the call as a whole fails only when no answer came.
  wasl::sdk::Result<std::vector<wasl::sdk::Result<wasl::sdk::JoinToken>>> issue_join_tokens(
      const std::string& room_id, const std::vector<wasl::sdk::Participant>& participants,
      int ttl_seconds);

  const ChimeSettings& settings() const { return settings_; }

 private:
  wasl::sdk::Result<Meeting> create_meeting(const std::string& key, int generation,
                                            const wasl::sdk::CreateRoomRequest& request);
  wasl::sdk::Result<std::string> current_meeting(const std::string& room_id);
  // How long until the meeting may be created; nothing when it may be now.
  std::optional<std::chrono::milliseconds> time_until_open(
      const wasl::sdk::CreateRoomRequest& request);
  // Whether an ended meeting is a first one nobody ever connected to, which
  // the next join recreates (so the room has not ended).
  wasl::sdk::Result<bool> can_be_recreated(const std::string& meeting_id);
  wasl::sdk::Result<std::string> move_meeting(const std::string& ended_meeting_id);
  wasl::sdk::Result<nlohmann::json> meeting_document(const std::string& meeting_id);
  wasl::sdk::Result<wasl::sdk::JoinToken> join_token(const std::string& meeting_id,
                                                     const Attendee& attendee, int ttl_seconds,
                                                     const std::string& moved_from);
  wasl::sdk::Result<std::optional<MediaPipeline>> find_capture(const std::string& meeting_id,
                                                               bool active_only);
  wasl::sdk::Result<MediaPipeline> concatenate(const std::string& meeting_id,
                                               const MediaPipeline& capture);
  wasl::sdk::Status remember_pipeline(const std::string& meeting_id, const MediaPipeline& pipeline);
  wasl::sdk::Recording to_recording(const std::string& meeting_id, const MediaPipeline& p) const;

  wasl::sdk::Result<std::optional<nlohmann::json>> state(const std::string& key);
  wasl::sdk::Status put_state(const std::string& key, const nlohmann::json& value);

  wasl::sdk::Host& host_;
  const ChimeSettings settings_;
  AwsTransport transport_;
  MeetingsClient meetings_;
  MediaPipelinesClient pipelines_;
  S3HostTransport s3_transport_;
  wasl::sdk::aws::S3Client s3_;
  std::mutex state_mutex_;  // serialises read-modify-write of Host::state
};

// State keys the provider and the EventBridge verifier share: a pipeline's
// kind; "someone connected to this meeting" (written by the verifier on
// AttendeeJoined); a meeting's record (moved_from names the meeting it
// replaced).
std::string pipeline_state_key(const std::string& pipeline_id);
std::string joined_state_key(const std::string& meeting_id);
std::string meeting_state_key(const std::string& meeting_id);

}  // namespace wasl::plugins::chime
