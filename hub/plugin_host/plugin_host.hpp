// PluginHost: every plugin library and named instance the config declares,
// loaded at start-up and kept for the life of the hub (libraries are never
// unloaded while it runs).
//
// load() reads PluginsConfig::files and Config::instances: each file is
// resolved (absolute, or searched in PluginsConfig::directories), checked and
// loaded once (PluginLibrary); each instance is checked against its plugin
// (the capability its name starts with), its settings validated against the
// plugin's schema.json with defaults filled in, and created. A problem with a
// non-optional instance fails load() with every problem found, one line each;
// an optional instance that fails is left out, and problems() and
// readiness() say why.
//
// After load() the object is immutable: lookups and listing are thread-safe,
// and the proxies it hands out are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/config/config.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/http_client.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "hub/plugin_host/plugin_instance.hpp"
#include "hub/plugin_host/plugin_library.hpp"
#include "hub/plugin_host/secret_source.hpp"
#include "hub/plugin_host/state_store.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/client_certificate.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/feed.hpp"
#include "wasl/sdk/notify.hpp"
#include "wasl/sdk/reporting.hpp"
#include "wasl/sdk/video.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::plugin_host {

struct PluginHostOptions {
  // Borrowed; must outlive the PluginHost. Null: an in-memory store / the
  // environment (EnvironmentSecretSource) owned by the PluginHost.
  StateStore* state = nullptr;
  SecretSource* secrets = nullptr;
  // Wall clock lent to plugins; unset = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Defaults for each instance's HTTP client. An instance's settings may hold
  // an "http" object (connect_timeout_ms, total_timeout_ms, max_response_bytes,
  // ca_file, client_cert_file, client_key_file, proxy) that overrides them.
  HttpClientOptions http;
  // When set, load() answers the host even when a required instance failed;
  // instances() says which and why (what `wasl check` reports, each at the
  // instance's file:line). Unset, such a failure fails load().
  bool keep_failed_instances = false;
};

struct InstanceStatus {
  std::string name;
  std::string plugin;
  bool optional = false;
  bool loaded = false;
  std::string problem;  // why it is not loaded; empty when loaded
};

class PluginHost {
 public:
  // `metrics` must outlive the PluginHost.
  static sdk::Result<std::unique_ptr<PluginHost>> load(const config::Config& config,
                                                       observability::Metrics& metrics,
                                                       const PluginHostOptions& options = {});

  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // The loaded instance, or kNotFound (unknown or failed optional instance).
  sdk::Result<std::shared_ptr<PluginInstance>> instance(std::string_view name) const;

  // Typed views of a loaded instance; kNotFound when it is not loaded,
  // kFailedPrecondition when its plugin lacks the capability.
  sdk::Result<std::shared_ptr<sdk::VideoProvider>> video(std::string_view name) const;
  sdk::Result<std::shared_ptr<sdk::EhrConnector>> ehr(std::string_view name) const;
  sdk::Result<std::shared_ptr<sdk::BillingGateway>> billing(std::string_view name) const;
  sdk::Result<std::shared_ptr<sdk::ReportSink>> reporting(std::string_view name) const;
  sdk::Result<std::shared_ptr<sdk::WebhookVerifier>> webhook(std::string_view name) const;
  sdk::Result<std::shared_ptr<sdk::MessageFeed>> feed(std::string_view name) const;
  sdk::Result<std::shared_ptr<sdk::Notifier>> notifier(std::string_view name) const;

  // Every instance declared, loaded or not, by name.
  const std::vector<InstanceStatus>& instances() const { return statuses_; }
  // Problems met while loading (one line each), including optional instances'.
  const std::vector<std::string>& problems() const { return problems_; }

  // For `wasl plugins list` and GET /v1/plugins:
  // {"plugins": [{"name", "version", "sdk_version", "capabilities", "description",
  //   "file", "instances": [{"name", "optional", "health": "ok"|"failed", "problem"?}]}],
  //  "problems": [...]}
  nlohmann::json list() const;

  // Every call into every loaded instance, as health (instance_health.hpp).
  InstanceHealth& health() const { return *health_; }
  // The client certificate (settings.tls) of each instance set up with
  // one, by instance name.
  const std::map<std::string, sdk::ClientCertificate, std::less<>>& client_certificates() const {
    return client_certificates_;
  }

  // Sends each loaded instance the cheap read of its capability, whose
  // answer shows whether the far end answers: video list_participants and
  // ehr read_patient of an id that does not exist (not_found = healthy).
  // Reporting, billing and webhook instances have no call without an
  // effect; they are judged by their last calls. Blocks for the calls (each
  // bounded by the instance's HTTP timeouts); safe from any thread.
  void probe() const;
  // The probe method for an instance name, or empty when it has none.
  static std::string_view probe_method(std::string_view instance_name);

  // True when every non-optional instance is loaded.
  bool ready() const;
  // {"ready": bool, "failed": [{"name", "optional", "problem"}]} for /readyz.
  nlohmann::json readiness() const;

 private:
  PluginHost() = default;
  sdk::Result<std::shared_ptr<PluginInstance>> with_capability(std::string_view name,
                                                               std::string_view capability) const;

  std::unique_ptr<InstanceHealth> health_;  // first: outlives the instances that record in it
  std::map<std::string, sdk::ClientCertificate, std::less<>> client_certificates_;
  std::unique_ptr<StateStore> owned_state_;
  std::unique_ptr<SecretSource> owned_secrets_;
  std::vector<InstanceStatus> statuses_;
  std::vector<std::string> problems_;
  std::map<std::string, std::string, std::less<>> plugin_files_;  // plugin name -> file
  // Instances hold their libraries; libraries_ is declared first so it is
  // destroyed last.
  std::map<std::string, std::shared_ptr<PluginLibrary>, std::less<>> libraries_;  // by name
  std::map<std::string, std::shared_ptr<PluginInstance>, std::less<>> instances_;
};

// The capability an instance name asks for: "video.twilio-main" -> "video".
std::string_view capability_of(std::string_view instance_name);

}  // namespace wasl::plugin_host
