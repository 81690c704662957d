// video.hpp: a video provider (Twilio Video rooms, AWS Chime SDK meetings).
//
// Error contract for every method:
// - success: the value described;
// - retryable failure (network, provider 5xx, 429 with Retry-After in
//   Error::retry_after, timeout): an Error with retryable = true; the hub
//   retries with the same idempotency key;
// - permanent failure (bad settings or credentials, unknown room, provider
//   4xx other than 429): an Error with retryable = false and the code that
//   names why (kInvalidArgument, kUnauthenticated, kNotFound, …).
// Methods with an outside effect take an idempotency key that is stable across
// retries of one workflow step; the plugin passes it to the provider (Twilio
// UniqueName, Chime ClientRequestToken) or keeps it in Host::state so a
// repeat returns the first answer instead of acting twice.
// Implementations must be thread-safe: the hub calls them from several workers.
#pragma once

#include <string_view>
#include <vector>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::sdk {

class VideoProvider {
 public:
  virtual ~VideoProvider() = default;

  // Wire names of the methods (the `method` argument of wasl_plugin_registration.call).
  static constexpr std::string_view kCreateRoom = "video.create_room";
  static constexpr std::string_view kEndRoom = "video.end_room";
  static constexpr std::string_view kIssueJoinToken = "video.issue_join_token";
  static constexpr std::string_view kListParticipants = "video.list_participants";
  static constexpr std::string_view kRemoveParticipant = "video.remove_participant";
  static constexpr std::string_view kStartRecording = "video.start_recording";
  static constexpr std::string_view kStopRecording = "video.stop_recording";
  static constexpr std::string_view kListRecordings = "video.list_recordings";
  static constexpr std::string_view kRequestComposition = "video.request_composition";
  static constexpr std::string_view kFetchMedia = "video.fetch_media";  // streaming
  static constexpr std::string_view kReleaseMedia = "video.release_media";
  static constexpr std::string_view kGetRoom = "video.get_room";

  // Feature (PluginDefinition::features, SDK 1.8): the provider can hold a
  // join token for a waiting participant that its room refuses until the
  // participant is admitted. The hub then asks issue_join_token at once for
  // a waiting participant, with participant.status "waiting", and again at
  // admission without it, expecting the same token to open the room from
  // then on. Without the feature a waiting participant gets no token until
  // admitted (Twilio and Chime tokens open the room as soon as they exist).
  static constexpr std::string_view kWaitingRoomTokens = "video.waiting_room_tokens";

  // Feature (PluginDefinition::features, SDK 1.8): the provider ends a room
  // by itself some time after its last participant left (Twilio's empty
  // room timeout, Chime's end of a meeting nobody is in). Without it the hub
  // ends such a room itself (end_room) once everyone who joined has left
  // and nobody joined for the instance's empty_room_timeout.
  static constexpr std::string_view kEndsEmptyRooms = "video.ends_empty_rooms";

  // Creates the room/meeting, or returns the one already created under
  // request.idempotency_key. Enforces participant_limit at the provider where
  // it can; turns recording on when asked; registers status_callback_url for
  // room events.
  virtual Result<Room> create_room(const CreateRoomRequest& request) = 0;

  // Ends the room; ending an already ended room succeeds with its state.
  // kNotFound when the provider does not know the room.
  virtual Result<Room> end_room(const RoomRef& room) = 0;

  // Issues a join credential for one participant with a role and TTL (Twilio
  // access token with a Video grant; Chime CreateAttendee JoinToken). A repeat
  // with the same key returns an equivalent token for the same participant.
  virtual Result<JoinToken> issue_join_token(const JoinTokenRequest& request) = 0;

  // Participants currently known to the provider for the room.
  virtual Result<std::vector<Participant>> list_participants(const RoomRef& room) = 0;

  // Disconnects a participant; removing one already gone succeeds.
  virtual Status remove_participant(const ParticipantRef& participant) = 0;

  // Starts recording the room (Twilio recording rules, Chime media capture
  // pipeline); already recording succeeds with the running recording.
  virtual Result<Recording> start_recording(const RoomRef& room) = 0;

  // Stops recording; not recording succeeds.
  virtual Status stop_recording(const RoomRef& room) = 0;

  // Recordings and compositions the provider holds for the room.
  virtual Result<std::vector<Recording>> list_recordings(const RoomRef& room) = 0;

  // Asks the provider to compose the room's tracks into one file (Twilio
  // Composition, Chime concatenation pipeline). Returns it in "processing";
  // completion arrives as a "composition.completed" event or via list_recordings.
  virtual Result<Recording> request_composition(const CompositionRequest& request) = 0;

  // Streams a completed recording or composition to `sink`, chunk by chunk
  // (never the whole file in memory). An error from the sink aborts and is
  // returned. kFailedPrecondition while the media is still processing.
  virtual Result<MediaInfo> fetch_media(const MediaRef& media, const ChunkSink& sink) = 0;

  // Data minimisation: the hub calls this only after the encrypted archive of
  // `media` is durably committed, so the provider may delete its copy (and
  // whatever it derived the media from). Idempotent: media already gone
  // succeeds. A provider whose media lives in the hospital's own storage, or
  // that cannot delete, keeps this default: kUnimplemented, which the hub
  // treats as "nothing to do". Other errors are logged by the hub and not
  // retried by the workflow (the archive has succeeded).
  virtual Status release_media(const MediaRef& /*media*/) {
    return Error(ErrorCode::kUnimplemented,
                 "this video provider does not delete media after archiving", false);
  }

  // The room as the provider has it now, with status "in_progress",
  // "completed" or "failed" (Twilio FetchRoom). kNotFound when the provider
  // does not know the room. The hub's session reconciliation asks this first
  // to learn whether a room has ended. A provider without a way to read a
  // room's state keeps this default: kUnimplemented, and the hub falls back
  // to list_participants (where kNotFound means the room has ended).
  virtual Result<Room> get_room(const RoomRef& /*room*/) {
    return Error(ErrorCode::kUnimplemented, "this video provider cannot read a room's state",
                 false);
  }
};

}  // namespace wasl::sdk
