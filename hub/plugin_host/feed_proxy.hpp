// FeedProxy: the hub's MessageFeed for a plugin instance, calling through the C ABI.
// Thread-safe; keeps the instance (and so its library) alive.
#pragma once

#include <memory>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/feed.hpp"

namespace wasl::plugin_host {

class FeedProxy final : public sdk::MessageFeed {
 public:
  explicit FeedProxy(std::shared_ptr<PluginInstance> instance) : instance_(std::move(instance)) {}

  sdk::Result<sdk::FeedAnswer> accept(const sdk::FeedMessage& message) override;

 private:
  std::shared_ptr<PluginInstance> instance_;
};

}  // namespace wasl::plugin_host
