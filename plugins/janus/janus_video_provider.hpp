// JanusVideoProvider: sdk::VideoProvider over the Janus WebRTC Server's
// VideoRoom plugin, driven through the Janus admin API (AdminClient).
//
// Rooms: the VideoRoom room id is derived from create_room's idempotency key
// (room_id_for_key), so a resend finds the room it made. Each room gets a
// random secret, kept with the room's participants in the plugin's state
// (Host::state_put; the hub encrypts it), written before Janus is asked to
// create the room so a crash in between cannot lose it. The room's `allowed`
// list is on from the start and empty.
//
// Tokens: issue_join_token adds a Janus core token (add_token) scoped to the
// VideoRoom plugin; a participant whose status is "waiting" gets a token
// that is NOT in the room's allowed list, so Janus itself refuses them the
// room; any other status (admitted) puts it in the list. Asking again for
// the same participant once admitted adds the same token to the list (the
// waiting room's admission). remove_participant kicks the participant's
// feed, takes the token out of the allowed list and removes it from Janus,
// so the old token cannot rejoin. Tokens past their lifetime and the tokens
// of an ended room are removed by sweep_expired(), which every call runs
// first (the hub polls list_participants while a session is open).
//
// Recordings: after the room has ended, request_composition marks the room's
// composition "processing" and answers at once; the conversion
// (RecordingConverter: janus-pp-rec per .mjr stream, then one ffmpeg mix
// into a WebM, VP8/Opus) runs inside the first fetch_media, which the hub's
// archive step calls and retries while the answer is "not yet". That step
// has the long time budget (1 h) and the retries, so the conversion is
// bounded by conversion_timeout_seconds and the step's budget; a second
// fetch while one converts answers "not yet" (retryable). A tool that fails
// on the input marks the composition "failed" (not retryable, with the
// reason); a time limit or cancellation leaves it "processing". fetch_media
// then streams the file in 64 KiB chunks. release_media (called by the hub
// after the archive's hash is verified) deletes the room's .mjr files and
// the WebM. The media id is "<room>.webm". The recording folder
// (<recording_root>/<room>) must be readable and writable by the hub.
//
// Thread-safe: one mutex serialises the state's read-modify-write.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/janus/admin_client.hpp"
#include "plugins/janus/settings.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::plugins::janus {

// The VideoRoom room id for an idempotency key: the first 53 bits of its
// SHA-256, never 0 (ids stay exact in the JavaScript client's numbers).
std::uint64_t room_id_for_key(std::string_view idempotency_key);

// The publisher (feed) id a participant joins with: the first 53 bits of
// SHA-256(room id, identity, generation), never 0. A participant re-admitted
// after removal gets a new generation and so a new feed id.
std::uint64_t feed_id_for(std::uint64_t room_id, std::string_view identity, int generation);

class JanusVideoProvider final : public wasl::sdk::VideoProvider {
 public:
  JanusVideoProvider(wasl::sdk::Host& host, JanusSettings settings);

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
  wasl::sdk::Status release_media(const wasl::sdk::MediaRef& media) override;
  wasl::sdk::Result<wasl::sdk::Room> get_room(const wasl::sdk::RoomRef& room) override;

  // Removes from Janus every token past its expiry or of an ended room, and
  // forgets it. Called first by every method; public for the tests.
  wasl::sdk::Status sweep_expired();

 private:
  using json = nlohmann::json;

  wasl::sdk::Result<json> load_room(std::uint64_t room_id);
  wasl::sdk::Status store_room(std::uint64_t room_id, const json& room);
  wasl::sdk::Status index_token(std::uint64_t room_id, const std::string& identity,
                                std::int64_t expires_at_ms);
  // Takes `token` out of the room's allowed list (a room already gone is
  // fine) and removes it from Janus (a token already gone is fine).
  wasl::sdk::Status revoke(std::uint64_t room_id, const json& room, const std::string& token);
  wasl::sdk::Status sweep_locked();
  wasl::sdk::Room room_answer(std::uint64_t room_id, const json& room) const;
  wasl::sdk::Recording composition_answer(std::uint64_t room_id, const json& room) const;
  // Converts the room's recording (the caller has claimed it in converting_)
  // and records the outcome in the room's state.
  wasl::sdk::Status convert(std::uint64_t room_id, const std::string& rec_dir);
  std::int64_t now_ms();

  wasl::sdk::Host& host_;
  const JanusSettings settings_;
  AdminClient admin_;
  std::mutex mutex_;
  // Rooms whose recording a call is converting now (guarded by mutex_); the
  // conversion itself runs without the lock.
  std::set<std::uint64_t> converting_;
};

}  // namespace wasl::plugins::janus
