// Loads libwasl_nphies.so through the hub's PluginHost with instances whose
// settings point at the NPHIES peer and carry `tls` built from the test PKI.
// Test-only.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/config/config.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/integration/nphies/peer_fixture.hpp"

namespace wasl::plugins::nphies::testing {

// settings.tls from files of the test PKI; an empty name leaves the key out.
inline nlohmann::json tls_settings(const std::string& certificate, const std::string& key,
                                   const std::string& ca = "ca.crt") {
  auto& env = PeerEnvironment::get();
  nlohmann::json tls = nlohmann::json::object();
  if (!certificate.empty()) tls["client_certificate"] = env.read(certificate);
  if (!key.empty()) tls["client_key"] = env.read(key);
  if (!ca.empty()) tls["ca_bundle"] = env.read(ca);
  return tls;
}

class NphiesPlugin {
 public:
  // Adds billing.<label> with `tls` (and extra settings merged in).
  void add(const std::string& label, nlohmann::json tls, nlohmann::json extra = {}) {
    config::InstanceConfig instance;
    instance.name = "billing." + label;
    instance.plugin = "nphies";
    instance.settings = {{"base_url", PeerEnvironment::get().peer()->base_url()},
                         {"provider_base_url", "http://hospital-a.test"},
                         {"request_timeout_seconds", 5}};
    if (!tls.is_null()) instance.settings["tls"] = std::move(tls);
    if (extra.is_object()) instance.settings.update(extra);
    config_.instances[instance.name] = instance;
  }

  sdk::Result<std::unique_ptr<plugin_host::PluginHost>> load() {
    config_.plugins.files = {{"nphies", WASL_NPHIES_PLUGIN_FILE, "", 1}};
    return plugin_host::PluginHost::load(config_, metrics_);
  }

 private:
  config::Config config_;
  observability::Metrics metrics_;
};

}  // namespace wasl::plugins::nphies::testing
