// `wasl plugins list`: what the config's plugins and instances load as.
#include <spdlog/spdlog.h>

#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kPluginsUsage =
    "Usage: wasl plugins list [--config FILE] [--json]\n\n"
    "Loads every plugin library and instance the config declares, as `wasl serve`\n"
    "would, and lists them: name, version, SDK version, capabilities, instances\n"
    "and their health. Exits 1 if a required instance fails to load.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --json          print the listing as JSON (the same as GET /v1/plugins)\n"
    "  --help          this text\n";

std::string join(const nlohmann::json& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ", ";
    out += item.get<std::string>();
  }
  return out;
}

int list_plugins(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args =
      parse_command_arguments(raw, "plugins list", kPluginsUsage, {"config"}, {"json"}, err);
  if (!args) return kExitUsage;
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  spdlog::set_level(spdlog::level::off);  // the listing says everything worth saying

  observability::Metrics metrics;
  auto host = plugin_host::PluginHost::load(*config, metrics);
  if (!host.ok()) {
    err << "wasl plugins list: " << host.error().message << "\n";
    return kExitFailure;
  }
  nlohmann::json listing = (*host)->list();
  if (args->has_flag("json")) {
    out << listing.dump(2) << "\n";
    return kExitOk;
  }
  if (listing["plugins"].empty()) {
    out << "no plugins configured (plugins.files in " << config->source_file << ")\n";
  }
  for (const auto& plugin : listing["plugins"]) {
    out << plugin.value("name", "") << " " << plugin.value("version", "") << "  (SDK "
        << plugin.value("sdk_version", "") << ")  " << plugin.value("file", "") << "\n"
        << "  capabilities: " << join(plugin.value("capabilities", nlohmann::json::array()))
        << "\n";
    if (plugin.contains("description"))
      out << "  " << plugin["description"].get<std::string>() << "\n";
    for (const auto& instance : plugin.value("instances", nlohmann::json::array())) {
      out << "  instance " << instance.value("name", "") << ": " << instance.value("health", "")
          << (instance.value("optional", false) ? " (optional)" : "");
      if (instance.contains("problem")) out << " — " << instance["problem"].get<std::string>();
      out << "\n";
    }
  }
  for (const auto& problem : listing.value("problems", nlohmann::json::array())) {
    out << "problem: " << problem.get<std::string>() << "\n";
  }
  return kExitOk;
}

}  // namespace

const Command& plugins_list_command() {
  static const Command command{"plugins list", "list plugins, their instances and health",
                               kPluginsUsage, &list_plugins};
  return command;
}

}  // namespace wasl::cli
