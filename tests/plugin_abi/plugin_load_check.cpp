// plugin_load_check FILE PLUGIN_NAME: loads a plugin file through the hub's
// loader as instance "reporting.check", submits one report twice and prints
// the receipt. Exit 0 when the plugin answered the same receipt both times.
#include <cstdio>
#include <iostream>

#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: plugin_load_check FILE PLUGIN_NAME\n";
    return 2;
  }
  wasl::config::Config config;
  config.plugins.files.push_back({argv[2], argv[1], "", 0});
  wasl::config::InstanceConfig instance;
  instance.name = "reporting.check";
  instance.plugin = argv[2];
  config.instances[instance.name] = instance;
  wasl::observability::Metrics metrics;
  auto host = wasl::plugin_host::PluginHost::load(config, metrics);
  if (!host.ok()) {
    std::cerr << host.error().message << "\n";
    return 1;
  }
  auto sink = (*host)->reporting("reporting.check");
  if (!sink.ok()) {
    std::cerr << sink.error().message << "\n";
    return 1;
  }
  wasl::sdk::Report report;
  report.idempotency_key = "consultation-42";
  report.kind = "consultation";
  auto first = (*sink)->submit_report(report);
  auto second = (*sink)->submit_report(report);
  if (!first.ok() || !second.ok()) {
    std::cerr << (first.ok() ? second.error().message : first.error().message) << "\n";
    return 1;
  }
  std::cout << nlohmann::json(*first).dump() << "\n" << (*host)->list().dump() << "\n";
  return first->receipt_id == second->receipt_id && first->status == "accepted" ? 0 : 1;
}
