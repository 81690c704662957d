// plugin.hpp: how a vendor declares a plugin. Write one registration function
// that fills a PluginDefinition (name, version, one factory per capability)
// and name it in WASL_PLUGIN once, in one source file:
//
//   wasl::sdk::Status register_plugin(wasl::sdk::PluginDefinition& plugin) {
//     plugin.name = "hello";
//     plugin.version = "1.0.0";
//     plugin.description = "Answers from its settings.";
//     plugin.reporting = wasl::sdk::make_factory<wasl::sdk::ReportSink, HelloSink>();
//     return {};
//   }
//   WASL_PLUGIN(register_plugin)
//
// WASL_PLUGIN defines the two exported C entry points of abi.h; the glue in
// sdk/src (compiled into the plugin by wasl_add_plugin) turns them into calls
// on these objects and catches every exception. Nothing runs in a static
// initialiser: the hub calls the registration function explicitly, once,
// after the version handshake.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wasl/sdk/abi.h"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/feed.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/notify.hpp"
#include "wasl/sdk/reporting.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"
#include "wasl/sdk/video.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::sdk {

// Builds one capability object for one plugin instance. `host` outlives the
// object. An Error refuses the instance (bad settings the schema could not
// catch, a missing secret); the hub reports it with the instance name.
template <typename T>
using Factory = std::function<Result<std::unique_ptr<T>>(Host& host)>;

// A factory that constructs Impl(Host&) for capability Interface, for
// implementations whose constructor cannot fail:
//   plugin.reporting = make_factory<ReportSink, HelloReportSink>();
template <typename Interface, typename Impl>
Factory<Interface> make_factory() {
  return [](Host& host) -> Result<std::unique_ptr<Interface>> {
    return std::unique_ptr<Interface>(std::make_unique<Impl>(host));
  };
}

struct PluginDefinition {
  std::string name;         // matches the plugin name in the hub's config
  std::string version;      // the plugin's version
  std::string description;  // one line
  // A set factory declares the capability. Capability names on the wire:
  // "video", "ehr", "billing", "reporting", "webhook", "feed" (SDK 1.5),
  // "notify" (SDK 1.6).
  Factory<VideoProvider> video;
  Factory<EhrConnector> ehr;
  Factory<BillingGateway> billing;
  Factory<ReportSink> reporting;
  Factory<WebhookVerifier> webhook;
  Factory<MessageFeed> feed;
  Factory<Notifier> notify;
  // SDK 1.8: features of the declared capabilities the hub may rely on, each
  // "<capability>.<feature>" (VideoProvider::kWaitingRoomTokens). They hold
  // for every instance of the plugin. A hub that does not know a feature
  // ignores it, so declaring one never stops the plugin from loading.
  std::vector<std::string> features;
};

// The SDK version a plugin reports: "<abi major>.<abi minor>".
inline std::string sdk_version_string() {
  return std::to_string(WASL_ABI_VERSION_MAJOR) + "." + std::to_string(WASL_ABI_VERSION_MINOR);
}

// What the definition declares, as the hub sees it.
PluginInfo plugin_info(const PluginDefinition& definition);

using RegisterFunction = Status (*)(PluginDefinition& definition);

namespace glue {
// Implemented in sdk/src/plugin_glue.cpp. Never throws.
std::uint32_t abi_version() noexcept;
int register_plugin(RegisterFunction fn, const wasl_host_api* host,
                    wasl_plugin_registration* out) noexcept;
}  // namespace glue

}  // namespace wasl::sdk

// Defines the plugin's exported entry points. Use once per plugin.
#define WASL_PLUGIN(register_function)                                          \
  WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) {                   \
    return ::wasl::sdk::glue::abi_version();                                    \
  }                                                                             \
  WASL_PLUGIN_EXPORT int wasl_plugin_register(const wasl_host_api* host,        \
                                              wasl_plugin_registration* out) {  \
    return ::wasl::sdk::glue::register_plugin(&(register_function), host, out); \
  }
