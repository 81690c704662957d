// PluginInstance: one named instance of a loaded plugin (video.twilio-main),
// created with its validated settings. call() sends a JSON request through the
// C ABI and returns the plugin's JSON result or Error; every call is timed and
// counted in Metrics:
//   wasl_plugin_calls_total{instance, method, outcome}   outcome = ok | <error code>
//   wasl_plugin_call_duration_seconds{instance, method}
// and, when observe() was given one, in an InstanceHealth.
//
// Every call passes the instance's CallGate (call_gate.hpp, its bulkhead:
// instances.<name>.max_concurrent_calls and max_queued_calls). A call that
// gets no slot is refused without reaching the plugin: kUnavailable,
// retryable, deferred, Retry-After 1 s, counted in
// wasl_plugin_calls_refused_total{instance} and not in the instance's
// health (the instance is busy, not failing).
// Thread-safe (plugins must accept concurrent calls, see abi.h). Destruction
// destroys the plugin's instance, then its host, then releases the library.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/call_gate.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "hub/plugin_host/instance_host.hpp"
#include "hub/plugin_host/plugin_library.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

class PluginInstance {
 public:
  // Creates the plugin's instance over `host` (whose settings must already be
  // validated). `metrics` must outlive this object. Errors name the instance.
  static sdk::Result<std::unique_ptr<PluginInstance>> create(
      std::shared_ptr<const PluginLibrary> library, std::unique_ptr<InstanceHost> host,
      observability::Metrics& metrics, CallGateLimits limits = {});

  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;
  ~PluginInstance();

  const std::string& name() const { return host_->instance_name(); }
  const PluginLibrary& library() const { return *library_; }

  // Every later call is also recorded in `health` (borrowed; must outlive
  // this object). Call once, before the instance is shared between threads.
  void observe(InstanceHealth* health) { health_ = health; }

  // The calls running in the instance now.
  CallLoad load() const { return gate_.load(); }

  // Calls `method` (e.g. "video.create_room").
  sdk::Result<nlohmann::json> call(std::string_view method, const nlohmann::json& request);

  // Calls a streaming method; chunks go to `sink` (an error from it aborts).
  sdk::Result<nlohmann::json> call_streaming(std::string_view method, const nlohmann::json& request,
                                             const sdk::ChunkSink& sink);

 private:
  PluginInstance(std::shared_ptr<const PluginLibrary> library, std::unique_ptr<InstanceHost> host,
                 observability::Metrics& metrics, CallGateLimits limits);

  // A slot of the gate, or the refusal (above).
  sdk::Result<CallGate::Slot> enter(std::string_view method);

  // Turns the plugin's return code and string into a result, freeing the string.
  sdk::Result<nlohmann::json> finish(std::string_view method, int rc, char* out);
  void record(std::string_view method, const sdk::Result<nlohmann::json>& result, double seconds);

  observability::Metrics& metrics_;
  InstanceHealth* health_ = nullptr;
  CallGate gate_;
  wasl_instance* instance_ = nullptr;
  std::unique_ptr<InstanceHost> host_;
  std::shared_ptr<const PluginLibrary> library_;  // last: the code stays mapped until the end
};

}  // namespace wasl::plugin_host
