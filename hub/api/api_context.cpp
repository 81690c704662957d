#include "hub/api/api_context.hpp"

#include "hub/domain/timestamp.hpp"

namespace wasl::api {

std::int64_t ApiContext::now_ms() const {
  return options.clock ? options.clock() : domain::now_ms();
}

sdk::Result<std::shared_ptr<sdk::VideoProvider>> ApiContext::video_provider(
    std::string_view instance) const {
  if (video) return video(instance);
  if (plugins != nullptr) return plugins->video(instance);
  return sdk::Error(sdk::ErrorCode::kFailedPrecondition, "no plugin host is running");
}

sdk::Result<std::shared_ptr<sdk::EhrConnector>> ApiContext::ehr_connector(
    std::string_view instance) const {
  if (ehr) return ehr(instance);
  if (plugins != nullptr) return plugins->ehr(instance);
  return sdk::Error(sdk::ErrorCode::kFailedPrecondition, "no plugin host is running");
}

bool ApiContext::video_has_feature(std::string_view instance, std::string_view feature) const {
  if (video_features) return video_features(instance, feature);
  if (plugins == nullptr) return false;
  auto found = plugins->instance(instance);
  return found.ok() && (*found)->library().has_feature(feature);
}

int ApiContext::participant_limit(domain::ConsultationType type) const {
  auto it = options.participant_limits.find(type);
  return it != options.participant_limits.end() ? it->second : options.default_participant_limit;
}

}  // namespace wasl::api
