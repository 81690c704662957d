// The MOH plugin's registration: the reporting capability (Wasl's FHIR R4
// proposal for Ministry of Health reporting; see README.md).
#include <memory>

#include "plugins/moh/moh_report_sink.hpp"
#include "plugins/moh/settings.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

wasl::sdk::Status register_moh(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "moh";
  plugin.version = "1.0.0";
  plugin.description =
      "Ministry of Health reporting in Wasl's FHIR R4 proposal: per-consultation message "
      "Bundles, aggregate MeasureReports and CSV, by HTTPS POST and/or file drop.";
  plugin.reporting =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::ReportSink>> {
    WASL_ASSIGN_OR_RETURN(auto settings, wasl::plugins::moh::parse_settings(host.settings(), host));
    return std::unique_ptr<wasl::sdk::ReportSink>(
        std::make_unique<wasl::plugins::moh::MohReportSink>(host, std::move(settings)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_moh)
