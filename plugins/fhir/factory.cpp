// The FHIR plugin's registration: the EHR capability over FHIR R4 REST.
#include <memory>

#include "plugins/fhir/fhir_ehr_connector.hpp"
#include "plugins/fhir/settings.hpp"
#include "plugins/fhir/subscription_verifier.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

wasl::sdk::Status register_fhir(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "fhir";
  plugin.version = "0.1.0";
  plugin.description =
      "EHR over FHIR R4 REST: reads Patient, Practitioner, Appointment and Coverage (by id and "
      "by search, paged); writes Encounter and DocumentReference by conditional create and "
      "Appointment status with If-Match; SMART Backend Services, bearer or basic "
      "authentication; Subscription notifications (R4 and topic-based) as "
      "appointment.updated events.";
  plugin.ehr =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::EhrConnector>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          wasl::plugins::fhir::parse_settings(host.settings(), host));
    auto connector =
        std::make_unique<wasl::plugins::fhir::FhirEhrConnector>(host, std::move(settings));
    // A server that is not R4 refuses the instance; one that cannot be
    // reached now is not held against it (the hub starts without its EHR).
    if (auto status = connector->check_fhir_version(); !status.ok()) {
      if (!status.error().retryable) return status.error();
      host.log(wasl::sdk::LogLevel::kWarn,
               "the FHIR version could not be checked at start: " + status.error().message);
    }
    return std::unique_ptr<wasl::sdk::EhrConnector>(std::move(connector));
  };
  plugin.webhook =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::WebhookVerifier>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          wasl::plugins::fhir::parse_settings(host.settings(), host));
    return std::unique_ptr<wasl::sdk::WebhookVerifier>(
        std::make_unique<wasl::plugins::fhir::SubscriptionVerifier>(std::move(settings)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_fhir)
