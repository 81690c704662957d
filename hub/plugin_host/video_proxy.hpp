// VideoProxy: the hub's VideoProvider for a plugin instance, calling through the C ABI.
// Thread-safe; keeps the instance (and so its library) alive.
#pragma once

#include <memory>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::plugin_host {

class VideoProxy final : public sdk::VideoProvider {
 public:
  explicit VideoProxy(std::shared_ptr<PluginInstance> instance) : instance_(std::move(instance)) {}

  sdk::Result<sdk::Room> create_room(const sdk::CreateRoomRequest& request) override;
  sdk::Result<sdk::Room> end_room(const sdk::RoomRef& room) override;
  sdk::Result<sdk::JoinToken> issue_join_token(const sdk::JoinTokenRequest& request) override;
  sdk::Result<std::vector<sdk::Participant>> list_participants(const sdk::RoomRef& room) override;
  sdk::Status remove_participant(const sdk::ParticipantRef& participant) override;
  sdk::Result<sdk::Recording> start_recording(const sdk::RoomRef& room) override;
  sdk::Status stop_recording(const sdk::RoomRef& room) override;
  sdk::Result<std::vector<sdk::Recording>> list_recordings(const sdk::RoomRef& room) override;
  sdk::Result<sdk::Recording> request_composition(const sdk::CompositionRequest& request) override;
  sdk::Result<sdk::MediaInfo> fetch_media(const sdk::MediaRef& media,
                                          const sdk::ChunkSink& sink) override;
  // kUnimplemented when the plugin keeps the SDK's default or was built
  // against an SDK without the method (its glue answers kUnimplemented).
  sdk::Status release_media(const sdk::MediaRef& media) override;
  // kUnimplemented likewise when the plugin cannot read a room's state.
  sdk::Result<sdk::Room> get_room(const sdk::RoomRef& room) override;

 private:
  std::shared_ptr<PluginInstance> instance_;
};

}  // namespace wasl::plugin_host
