#include "hub/plugin_host/video_proxy.hpp"

#include "hub/plugin_host/typed_call.hpp"

namespace wasl::plugin_host {

using V = sdk::VideoProvider;

sdk::Result<sdk::Room> VideoProxy::create_room(const sdk::CreateRoomRequest& request) {
  return typed_call<sdk::Room>(*instance_, V::kCreateRoom, request);
}
sdk::Result<sdk::Room> VideoProxy::end_room(const sdk::RoomRef& room) {
  return typed_call<sdk::Room>(*instance_, V::kEndRoom, room);
}
sdk::Result<sdk::JoinToken> VideoProxy::issue_join_token(const sdk::JoinTokenRequest& request) {
  return typed_call<sdk::JoinToken>(*instance_, V::kIssueJoinToken, request);
}
sdk::Result<std::vector<sdk::Participant>> VideoProxy::list_participants(const sdk::RoomRef& room) {
  return typed_call<std::vector<sdk::Participant>>(*instance_, V::kListParticipants, room);
}
sdk::Status VideoProxy::remove_participant(const sdk::ParticipantRef& participant) {
  return typed_call<void>(*instance_, V::kRemoveParticipant, participant);
}
sdk::Result<sdk::Recording> VideoProxy::start_recording(const sdk::RoomRef& room) {
  return typed_call<sdk::Recording>(*instance_, V::kStartRecording, room);
}
sdk::Status VideoProxy::stop_recording(const sdk::RoomRef& room) {
  return typed_call<void>(*instance_, V::kStopRecording, room);
}
sdk::Result<std::vector<sdk::Recording>> VideoProxy::list_recordings(const sdk::RoomRef& room) {
  return typed_call<std::vector<sdk::Recording>>(*instance_, V::kListRecordings, room);
}
sdk::Result<sdk::Recording> VideoProxy::request_composition(
    const sdk::CompositionRequest& request) {
  return typed_call<sdk::Recording>(*instance_, V::kRequestComposition, request);
}
sdk::Status VideoProxy::release_media(const sdk::MediaRef& media) {
  return typed_call<void>(*instance_, V::kReleaseMedia, media);
}
sdk::Result<sdk::Room> VideoProxy::get_room(const sdk::RoomRef& room) {
  return typed_call<sdk::Room>(*instance_, V::kGetRoom, room);
}
sdk::Result<sdk::MediaInfo> VideoProxy::fetch_media(const sdk::MediaRef& media,
                                                    const sdk::ChunkSink& sink) {
  WASL_ASSIGN_OR_RETURN(nlohmann::json out,
                        instance_->call_streaming(V::kFetchMedia, nlohmann::json(media), sink));
  try {
    return out.get<sdk::MediaInfo>();
  } catch (const nlohmann::json::exception& e) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "plugin '" + instance_->library().info().name +
                          "' method 'video.fetch_media' returned a result of the wrong form",
                      false);
  }
}

}  // namespace wasl::plugin_host
