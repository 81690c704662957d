// ConfiguredWebhookSources: the webhook instances of a running hub.
//
// Naming: "/v1/webhooks/<instance>" where <instance> is
//  - "hospital.<facility id>": the built-in Standard Webhooks verifier with
//    that facility's secret (HospitalSecretSource); the facility must be in
//    the config and have a secret. "hospital" is not a plugin capability, so
//    the prefix never clashes with a plugin instance;
//  - any other name: a loaded plugin instance whose plugin has the webhook
//    capability (PluginHost::webhook). Its events belong to every facility
//    whose bindings name the instance, or whose notifications settings name
//    it (the delivery receipts of a notify instance).
// Anything else is kNotFound (404), and so is a plugin instance that failed
// to load.
//
// Built once at start-up; find() is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hub/config/config.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/webhooks/hospital_secret_source.hpp"
#include "hub/webhooks/hospital_webhook_verifier.hpp"
#include "hub/webhooks/webhook_sources.hpp"

namespace wasl::webhooks {

class ConfiguredWebhookSources final : public WebhookSources {
 public:
  // `plugins` may be null (no plugin instances take webhooks); it must
  // outlive this object. Fails with kInvalidArgument naming the facility
  // whose secret is not "whsec_<base64>" of at least 16 bytes. `clock`
  // unset = the system clock (for the hospital verifiers' tolerance).
  static sdk::Result<std::unique_ptr<ConfiguredWebhookSources>> create(
      const config::Config& config, const plugin_host::PluginHost* plugins,
      const HospitalSecretSource& secrets, const WallClock& clock = {});

  sdk::Result<WebhookSource> find(std::string_view instance) const override;
  std::vector<std::string> instances_serving(std::string_view facility_id) const override;

 private:
  ConfiguredWebhookSources() = default;

  const plugin_host::PluginHost* plugins_ = nullptr;
  std::map<std::string, std::shared_ptr<HospitalWebhookVerifier>, std::less<>> hospitals_;
  std::map<std::string, std::vector<std::string>, std::less<>> facilities_by_instance_;
};

}  // namespace wasl::webhooks
