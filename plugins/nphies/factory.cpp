// The NPHIES plugin's registration: the billing capability (FHIR R4
// messaging with the Saudi national insurance exchange over mutual TLS).
#include <memory>

#include "plugins/nphies/nphies_billing_gateway.hpp"
#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

using wasl::plugins::nphies::NphiesBillingGateway;
using wasl::plugins::nphies::parse_settings;

wasl::sdk::Status register_nphies(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "nphies";
  plugin.version = "1.0.0";
  plugin.description =
      "NPHIES billing: eligibility, prior authorization, claims, cancel and polling as FHIR R4 "
      "$process-message bundles over mutual TLS.";
  plugin.billing =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::BillingGateway>> {
    return std::unique_ptr<wasl::sdk::BillingGateway>(
        std::make_unique<NphiesBillingGateway>(host, parse_settings(host.settings())));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_nphies)
