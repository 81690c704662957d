// The built-in workflow action hub.archive_recording (contract in
// hub/workflow/capabilities.hpp):
//
//   in:  media_id (string, required: Recording.provider_id), room_id,
//        content_type, retention_days (number; unset = the facility's
//        retention, 2555 days = 7 years by default)
//   out: {archive_id, url, content_type, size_bytes, sha256_hex, retain_until_ms,
//         no_media (false)}
//
// It runs kStandalone (long: it downloads and encrypts the media) and is
// idempotent: the engine's retry of the step finds the one recordings row of
// (consultation, media_id) and answers it. The video instance is the one
// recorded on the consultation (consultations.video_instance) when set, else
// the facility's "video" binding. When `room_id` is given, the provider's
// list_recordings supplies the duration (best effort: an error there is
// logged and the duration left unset). After the commit, release_media runs
// when release_after_archive(instance) says so. When list_recordings reports
// the media as a `failed` composition with raw.no_media (its room recorded
// nothing: nobody published), nothing is archived and no recordings row is
// written: out is {archive_id: null, url: null, content_type: null,
// size_bytes: 0, sha256_hex: null, retain_until_ms: 0, no_media: true}.
//
// Errors are RecordingArchive::archive()'s, plus kFailedPrecondition (not
// retryable) for a run without a consultation or a facility without a video
// binding, and the PluginHost's error for an instance that is not loaded.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/archive/recording_archive.hpp"
#include "hub/config/config.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::archive {

// What the action needs; the composition root fills it once at start-up and
// keeps it alive as long as the engine (the action holds a reference).
struct ArchiveServices {
  RecordingArchive* archive = nullptr;  // borrowed
  // The video provider of a loaded instance (PluginHost::video).
  std::function<sdk::Result<std::shared_ptr<sdk::VideoProvider>>(const std::string& instance)>
      video;
  // facility id → video instance (config facilities.<id>.bindings.video).
  std::map<std::string, std::string> video_bindings;
  // Whether to call release_media after archiving media of `instance`;
  // unset = never.
  std::function<bool(const std::string& instance)> release_after_archive;
  // The hub's public base URL; the output url is
  // <public_url>/v1/recordings/<archive_id>/content.
  std::string public_url;
};

// The action itself (exposed for tests); `ctx.store` must be set.
sdk::Result<nlohmann::json> archive_recording_action(ArchiveServices& services,
                                                     const workflow::HubActionContext& ctx,
                                                     const nlohmann::json& input);

// Registers hub.archive_recording (kStandalone). `services` must outlive
// `actions`' use.
sdk::Status add_archive_actions(workflow::HubActions& actions, ArchiveServices& services);

// Data minimisation per instance from the config: an instance's settings
// member "delete_after_archive" (the Twilio plugin's switch) when it is a
// boolean, else true — a plugin that keeps nothing answers kUnimplemented,
// which the archive ignores.
std::function<bool(const std::string& instance)> release_after_archive_from(
    const config::Config& config);

// Services from the config (bindings, public_url, release switch) and the
// loaded plugins. `plugins` and `archive` must outlive the result.
ArchiveServices archive_services_from(const config::Config& config,
                                      const plugin_host::PluginHost& plugins,
                                      RecordingArchive& archive);

}  // namespace wasl::archive
