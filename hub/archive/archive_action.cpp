#include "hub/archive/archive_action.hpp"

#include <spdlog/spdlog.h>

#include "hub/records/consultation_store.hpp"

namespace wasl::archive {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

constexpr const char* kAction = "hub.archive_recording";

Result<std::string> optional_string(const nlohmann::json& input, const char* member) {
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(kAction) + " '" + member + "' must be a string", false);
  }
  return it->get<std::string>();
}

// The consultation's own video instance, if recorded.
Result<std::string> consultation_instance(storage::Store& store, const std::string& facility,
                                          const std::string& consultation) {
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(auto facts, records::ConsultationStore::facts(*tx, facility, consultation));
  tx->rollback();
  if (!facts) {
    return Error(
        ErrorCode::kNotFound,
        "consultation " + consultation + " of the run does not exist in facility " + facility,
        false);
  }
  return facts->video_instance.value_or(std::string());
}

// A composition the provider reports as failed because its room recorded
// no media at all (raw.no_media): not an error, there is nothing to archive.
bool no_media(const sdk::Recording& r) {
  if (r.status != "failed" || !r.raw.is_object()) return false;
  auto it = r.raw.find("no_media");
  return it != r.raw.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

Result<nlohmann::json> archive_recording_action(ArchiveServices& services,
                                                const workflow::HubActionContext& ctx,
                                                const nlohmann::json& input) {
  if (services.archive == nullptr || !services.video || ctx.store == nullptr) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(kAction) + " is not wired to an archive and the video plugins", false);
  }
  if (!input.is_object()) {
    return Error(ErrorCode::kInvalidArgument, std::string(kAction) + " needs an object as input",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(std::string media_id, optional_string(input, "media_id"));
  if (media_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(kAction) + " needs a non-empty string 'media_id'", false);
  }
  WASL_ASSIGN_OR_RETURN(std::string room_id, optional_string(input, "room_id"));
  WASL_ASSIGN_OR_RETURN(std::string content_type, optional_string(input, "content_type"));
  std::optional<std::int64_t> retention_days;
  if (auto it = input.find("retention_days"); it != input.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(kAction) + " 'retention_days' must be a positive whole number",
                   false);
    }
    retention_days = it->get<std::int64_t>();
  }
  if (ctx.consultation_id.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(kAction) + " needs a run that belongs to a consultation", false);
  }

  WASL_ASSIGN_OR_RETURN(std::string instance,
                        consultation_instance(*ctx.store, ctx.facility_id, ctx.consultation_id));
  // Where the room was opened: the instance recorded on the consultation,
  // else the run's binding (kept from its start), else the facility's.
  if (instance.empty()) instance = workflow::bound_instance(ctx.bindings, {}, "video");
  if (instance.empty()) {
    auto bound = services.video_bindings.find(ctx.facility_id);
    if (bound == services.video_bindings.end() || bound->second.empty()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "facility '" + ctx.facility_id +
                       "' has no 'video' binding in the config; bind it to a video instance",
                   false);
    }
    instance = bound->second;
  }
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::VideoProvider> video, services.video(instance));

  ArchiveRequest request;
  request.facility_id = ctx.facility_id;
  request.consultation_id = ctx.consultation_id;
  request.media_id = media_id;
  request.video_instance = instance;
  request.room_id = room_id;
  request.content_type = content_type;
  request.retention_days = retention_days;
  request.release_after_archive =
      services.release_after_archive && services.release_after_archive(instance);
  request.actor = "system";
  request.request_id = ctx.run_id;
  if (!room_id.empty()) {
    auto listed = video->list_recordings(sdk::RoomRef{"", room_id});
    if (listed.ok()) {
      for (const auto& r : *listed) {
        if (r.provider_id != media_id) continue;
        if (no_media(r)) {
          // Nothing was recorded (nobody published): nothing to archive, no
          // recording row; the run goes on without a recording document.
          spdlog::info("{}: room {} recorded no media; consultation {} has no recording", kAction,
                       room_id, ctx.consultation_id);
          return nlohmann::json{{"archive_id", nullptr},   {"url", nullptr},
                                {"content_type", nullptr}, {"size_bytes", 0},
                                {"sha256_hex", nullptr},   {"retain_until_ms", 0},
                                {"no_media", true}};
        }
        if (r.duration_seconds > 0) request.duration_ms = r.duration_seconds * 1000;
        if (request.content_type.empty()) request.content_type = r.content_type;
      }
    } else {
      spdlog::info("{}: the duration of media {} is unknown: {}", kAction, media_id,
                   listed.error().message);
    }
  }

  WASL_ASSIGN_OR_RETURN(ArchiveResult result, services.archive->archive(request, *video));
  const domain::Recording& r = result.recording;
  std::string base = services.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return nlohmann::json{{"archive_id", r.id},
                        {"url", base + "/v1/recordings/" + r.id + "/content"},
                        {"content_type", result.content_type},
                        {"size_bytes", r.size_bytes.value_or(0)},
                        {"sha256_hex", r.plaintext_sha256.value_or("")},
                        {"retain_until_ms", r.retention_until.value_or(0)},
                        {"no_media", false}};
}

sdk::Status add_archive_actions(workflow::HubActions& actions, ArchiveServices& services) {
  return actions.add(
      kAction, workflow::HubActionMode::kStandalone,
      [&services](const workflow::HubActionContext& ctx, const nlohmann::json& input) {
        return archive_recording_action(services, ctx, input);
      });
}

std::function<bool(const std::string& instance)> release_after_archive_from(
    const config::Config& config) {
  std::map<std::string, bool> release;
  for (const auto& [name, instance] : config.instances) {
    bool on = true;
    if (instance.settings.is_object()) {
      auto it = instance.settings.find("delete_after_archive");
      if (it != instance.settings.end() && it->is_boolean()) on = it->get<bool>();
    }
    release[name] = on;
  }
  return [release = std::move(release)](const std::string& instance) {
    auto it = release.find(instance);
    return it == release.end() ? true : it->second;
  };
}

ArchiveServices archive_services_from(const config::Config& config,
                                      const plugin_host::PluginHost& plugins,
                                      RecordingArchive& archive) {
  ArchiveServices services;
  services.archive = &archive;
  services.video = [&plugins](const std::string& instance) { return plugins.video(instance); };
  for (const auto& [id, facility] : config.facilities) {
    auto it = facility.bindings.find("video");
    if (it != facility.bindings.end()) services.video_bindings[id] = it->second;
  }
  services.release_after_archive = release_after_archive_from(config);
  services.public_url = config.server.public_url;
  return services;
}

}  // namespace wasl::archive
