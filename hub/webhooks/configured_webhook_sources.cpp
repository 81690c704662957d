#include "hub/webhooks/configured_webhook_sources.hpp"

#include <algorithm>

namespace wasl::webhooks {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

sdk::Result<std::unique_ptr<ConfiguredWebhookSources>> ConfiguredWebhookSources::create(
    const config::Config& config, const plugin_host::PluginHost* plugins,
    const HospitalSecretSource& secrets, const WallClock& clock) {
  std::unique_ptr<ConfiguredWebhookSources> sources(new ConfiguredWebhookSources());
  sources->plugins_ = plugins;
  for (const auto& [id, facility] : config.facilities) {
    std::vector<std::string> serving;
    for (const auto& [role, instance] : facility.bindings) serving.push_back(instance);
    // The notify instances a facility sends its patients' messages through
    // post their delivery receipts here too.
    if (facility.notifications) {
      for (const std::string* instance :
           {&facility.notifications->email, &facility.notifications->sms}) {
        if (!instance->empty()) serving.push_back(*instance);
      }
    }
    for (const std::string& instance : serving) {
      auto& list = sources->facilities_by_instance_[instance];
      if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
    }
    std::optional<config::Secret> secret = secrets.webhook_secret(id);
    if (!secret || secret->empty()) continue;
    auto signature = StandardWebhookSignature::from_secret(secret->reveal());
    if (!signature.ok()) {
      return Error(ErrorCode::kInvalidArgument,
                   "facility '" + id + "': webhook_secret: " + signature.error().message, false);
    }
    sources->hospitals_.emplace(
        std::string(kHospitalInstancePrefix) + id,
        std::make_shared<HospitalWebhookVerifier>(id, std::move(signature).value(), clock));
  }
  return sources;
}

Result<WebhookSource> ConfiguredWebhookSources::find(std::string_view instance) const {
  Error unknown(ErrorCode::kNotFound,
                "no webhook instance named '" + std::string(instance) + "' is configured", false);
  if (instance.substr(0, kHospitalInstancePrefix.size()) == kHospitalInstancePrefix) {
    auto it = hospitals_.find(instance);
    if (it == hospitals_.end()) return unknown;
    return WebhookSource{std::string(instance), it->second, {it->second->facility_id()}, nullptr};
  }
  if (plugins_ == nullptr) return unknown;
  auto verifier = plugins_->webhook(instance);
  auto feed = plugins_->feed(instance);
  if (!verifier.ok() && !feed.ok()) return unknown;
  WebhookSource source{std::string(instance),
                       verifier.ok() ? std::move(verifier).value() : nullptr,
                       {},
                       feed.ok() ? std::move(feed).value() : nullptr};
  if (auto it = facilities_by_instance_.find(instance); it != facilities_by_instance_.end()) {
    source.facilities = it->second;
  }
  return source;
}

std::vector<std::string> ConfiguredWebhookSources::instances_serving(
    std::string_view facility_id) const {
  std::vector<std::string> out;
  for (const auto& [instance, facilities] : facilities_by_instance_) {
    if (std::find(facilities.begin(), facilities.end(), facility_id) != facilities.end()) {
      out.push_back(instance);
    }
  }
  return out;
}

}  // namespace wasl::webhooks
