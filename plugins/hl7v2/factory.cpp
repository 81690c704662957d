// The HL7 v2 plugin's registration: the feed capability (ADT and SIU
// messages the hub's MLLP listener receives for the instance) and the ehr
// capability (reads from what the feed delivered; MDM^T02 and ORU^R01
// write-back).
#include <memory>

#include "plugins/hl7v2/feed.hpp"
#include "plugins/hl7v2/hl7v2_ehr_connector.hpp"
#include "plugins/hl7v2/settings.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

wasl::sdk::Status register_hl7v2(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "hl7v2";
  plugin.version = "0.1.0";
  plugin.description =
      "HIS over HL7 v2 (ER7, MLLP): SIU^S12-S26 and ADT^A04/A08/A31/A40 received as "
      "appointment.updated and patient.updated events, patients, appointments, practitioners "
      "and coverages read from what they said; encounters, documents and notes written back as "
      "MDM^T02, vital signs as ORU^R01.";
  plugin.feed =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::MessageFeed>> {
    WASL_ASSIGN_OR_RETURN(auto settings, wasl::plugins::hl7v2::parse_settings(host.settings()));
    return std::unique_ptr<wasl::sdk::MessageFeed>(
        std::make_unique<wasl::plugins::hl7v2::Hl7v2Feed>(host, std::move(settings)));
  };
  plugin.ehr =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::EhrConnector>> {
    WASL_ASSIGN_OR_RETURN(auto settings, wasl::plugins::hl7v2::parse_settings(host.settings()));
    return std::unique_ptr<wasl::sdk::EhrConnector>(
        std::make_unique<wasl::plugins::hl7v2::Hl7v2EhrConnector>(host, std::move(settings)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_hl7v2)
