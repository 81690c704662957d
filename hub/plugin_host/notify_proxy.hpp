// NotifyProxy: the hub's Notifier for a plugin instance, calling through the C ABI.
// Thread-safe; keeps the instance (and so its library) alive.
#pragma once

#include <memory>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/notify.hpp"

namespace wasl::plugin_host {

class NotifyProxy final : public sdk::Notifier {
 public:
  explicit NotifyProxy(std::shared_ptr<PluginInstance> instance) : instance_(std::move(instance)) {}

  sdk::Result<sdk::NotificationReceipt> send(const sdk::Notification& notification) override;

 private:
  std::shared_ptr<PluginInstance> instance_;
};

}  // namespace wasl::plugin_host
