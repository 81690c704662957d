// The plugin's registration: its name, version and one factory per capability.
#include <memory>

#include "hello_report_sink.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

wasl::sdk::Status register_hello(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "hello";
  plugin.version = "1.0.0";
  plugin.description = "Accepts every report and answers with a receipt from its settings.";
  plugin.reporting = wasl::sdk::make_factory<wasl::sdk::ReportSink, hello::HelloReportSink>();
  return {};
}

}  // namespace

WASL_PLUGIN(register_hello)
