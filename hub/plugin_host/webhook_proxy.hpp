// WebhookProxy: the hub's WebhookVerifier for a plugin instance, calling through the C ABI.
// Thread-safe; keeps the instance (and so its library) alive.
#pragma once

#include <memory>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::plugin_host {

class WebhookProxy final : public sdk::WebhookVerifier {
 public:
  explicit WebhookProxy(std::shared_ptr<PluginInstance> instance)
      : instance_(std::move(instance)) {}

  sdk::Result<std::vector<sdk::Event>> verify(const sdk::WebhookRequest& request) override;

 private:
  std::shared_ptr<PluginInstance> instance_;
};

}  // namespace wasl::plugin_host
