// AWS answers through the Chime plugin's video provider (Chime SDK Meetings,
// Media Pipelines, S3 error bodies): the answer to creating a room, issuing a
// join token, listing participants or recordings, serialised as the plugin
// glue does. The first input byte picks the call and the status; the rest is
// the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/chime/chime_video_provider.hpp"
#include "tests/fuzz/provider_answer_host.hpp"

namespace {

template <typename T>
void serialise(const wasl::sdk::Result<T>& result) {
  if (result.ok()) (void)nlohmann::json(*result).dump();
}

wasl::plugins::chime::Endpoint endpoint(std::string authority) {
  return {"https", std::move(authority), ""};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::chime;
  if (size == 0) return 0;
  static wasl::fuzz::ProviderAnswerHost host(nlohmann::json::object(), "video.fuzz");
  static const ChimeSettings settings = [] {
    ChimeSettings s;
    s.region = "us-east-1";
    s.media_region = "us-east-1";
    s.meetings = endpoint("meetings-chime.us-east-1.amazonaws.com");
    s.media_pipelines = endpoint("media-pipelines-chime.us-east-1.amazonaws.com");
    s.s3 = endpoint("s3.us-east-1.amazonaws.com");
    s.credentials = {"AKIAFUZZ", "fuzz-secret", std::nullopt};
    s.capture_bucket_arn = "arn:aws:s3:::fuzz-bucket";
    s.rate_limit = {1e9, 1 << 30, std::chrono::milliseconds(0)};
    s.retry = {1, std::chrono::milliseconds(0), std::chrono::milliseconds(0)};
    s.request_timeout = std::chrono::milliseconds(1000);
    s.media_timeout = std::chrono::milliseconds(1000);
    return s;
  }();
  ChimeVideoProvider provider(host, settings, {}, [](std::chrono::nanoseconds) {});
  host.answer(wasl::fuzz::ProviderAnswerHost::status_from(data[0] >> 3),
              std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  wasl::sdk::RoomRef room{"key-1", "11111111-2222-3333-4444-555555555555"};
  switch (data[0] & 7) {
    case 0: {
      wasl::sdk::CreateRoomRequest request;
      request.idempotency_key = "key-1";
      request.name = "room";
      serialise(provider.create_room(request));
      break;
    }
    case 1: {
      wasl::sdk::JoinTokenRequest request;
      request.idempotency_key = "key-2";
      request.room_id = room.room_id;
      request.participant.identity = "patient-1";
      request.participant.role = "patient";
      serialise(provider.issue_join_token(request));
      break;
    }
    case 2: serialise(provider.list_participants(room)); break;
    case 3: serialise(provider.list_recordings(room)); break;
    case 4: serialise(provider.start_recording(room)); break;
    default: serialise(provider.end_room(room)); break;
  }
  return 0;
}
