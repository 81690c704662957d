// The sandbox plugin's registration: a stand-in for an insurance exchange
// (billing), keeping its state in the SQLite file named by the instance's
// state_file. The EHR is plugins/fhir's; ministry reports go to plugins/moh.
#include <memory>
#include <utility>

#include "plugins/sandbox/sandbox_billing.hpp"
#include "plugins/sandbox/settings.hpp"
#include "plugins/sandbox/state_file.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

using wasl::plugins::sandbox::parse_settings;
using wasl::plugins::sandbox::StateFile;

// A factory building Impl(host, settings, state file) for capability Interface.
template <typename Interface, typename Impl>
wasl::sdk::Factory<Interface> sandbox_factory() {
  return [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<Interface>> {
    WASL_ASSIGN_OR_RETURN(auto settings, parse_settings(host.settings()));
    WASL_ASSIGN_OR_RETURN(auto state, StateFile::open(settings.state_file));
    return std::unique_ptr<Interface>(
        std::make_unique<Impl>(host, std::move(settings), std::move(state)));
  };
}

wasl::sdk::Status register_sandbox(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "sandbox";
  plugin.version = "1.0.0";
  plugin.description =
      "Sandbox stand-in for NPHIES (effects recorded in a SQLite state file); not for "
      "production.";
  plugin.billing =
      sandbox_factory<wasl::sdk::BillingGateway, wasl::plugins::sandbox::SandboxBilling>();
  return {};
}

}  // namespace

WASL_PLUGIN(register_sandbox)
