// Twilio REST answers through the Twilio plugin's video provider: the answer
// to creating a room, fetching one, listing participants or recordings, or
// requesting a composition, serialised as the plugin glue does. The first
// input byte picks the call and the status; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/twilio/twilio_video_provider.hpp"
#include "tests/fuzz/provider_answer_host.hpp"

namespace {

template <typename T>
void serialise(const wasl::sdk::Result<T>& result) {
  if (result.ok()) (void)nlohmann::json(*result).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::twilio;
  if (size == 0) return 0;
  static wasl::fuzz::ProviderAnswerHost host(nlohmann::json::object(), "video.fuzz");
  static const TwilioSettings settings = [] {
    TwilioSettings s;
    s.account_sid = "AC00000000000000000000000000000000";
    s.api_key_sid = "SK00000000000000000000000000000000";
    s.api_key_secret = "fuzz-secret";
    s.auth_token = "fuzz-token";
    s.base_url = "https://video.twilio.com";
    s.status_callback_url = "https://hub.example/v1/webhooks/video.fuzz";
    s.empty_room_timeout_minutes = 5;
    s.unused_room_timeout_minutes = 5;
    s.max_participant_duration_seconds = 3600;
    s.token_ttl = std::chrono::seconds(3600);
    s.composition.format = "mp4";
    s.composition.resolution = "1280x720";
    s.composition.poll_interval = std::chrono::milliseconds(1000);
    s.request_timeout = std::chrono::milliseconds(1000);
    s.media_timeout = std::chrono::milliseconds(1000);
    return s;
  }();
  TwilioVideoProvider provider(host, settings);
  host.answer(wasl::fuzz::ProviderAnswerHost::status_from(data[0] >> 3),
              std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  wasl::sdk::RoomRef room{"key-1", "RM00000000000000000000000000000000"};
  switch (data[0] & 7) {
    case 0: {
      wasl::sdk::CreateRoomRequest request;
      request.idempotency_key = "key-1";
      request.name = "room";
      serialise(provider.create_room(request));
      break;
    }
    case 1: serialise(provider.get_room(room)); break;
    case 2: serialise(provider.list_participants(room)); break;
    case 3: serialise(provider.list_recordings(room)); break;
    case 4: serialise(provider.end_room(room)); break;
    case 5: serialise(provider.start_recording(room)); break;
    default: {
      wasl::sdk::CompositionRequest request;
      request.idempotency_key = "key-1";
      request.room_id = room.room_id;
      serialise(provider.request_composition(request));
      break;
    }
  }
  return 0;
}
