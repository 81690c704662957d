// ReportingProxy: the hub's ReportSink for a plugin instance, calling through the C ABI.
// Thread-safe; keeps the instance (and so its library) alive.
#pragma once

#include <memory>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/reporting.hpp"

namespace wasl::plugin_host {

class ReportingProxy final : public sdk::ReportSink {
 public:
  explicit ReportingProxy(std::shared_ptr<PluginInstance> instance)
      : instance_(std::move(instance)) {}

  sdk::Result<sdk::Receipt> submit_report(const sdk::Report& report) override;

 private:
  std::shared_ptr<PluginInstance> instance_;
};

}  // namespace wasl::plugin_host
