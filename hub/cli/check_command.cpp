// `wasl check`: validate a config, every workflow in its workflows_dir, every
// plugin instance's settings, and that each facility's workflows find their
// roles bound to instances with that capability — without starting anything
// but a probe of each S3 archive store.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "hub/api/well_known.hpp"
#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/clinical/clamd_scanner.hpp"
#include "hub/object_store/configured_stores.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/workflow/language/workflow_file.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kCheckUsage =
    "Usage: wasl check --config FILE\n\n"
    "Validates, without starting anything:\n"
    "  - the config file: every key, type and required value;\n"
    "  - every workflow file in workflows_dir;\n"
    "  - every plugin library and instance: the ABI handshake, the pin, the\n"
    "    instance settings against the plugin's schema.json;\n"
    "  - that every role a facility's workflows use is bound to a loaded\n"
    "    instance with that capability;\n"
    "  - that the signing keys /.well-known/jwks.json publishes name each kid\n"
    "    once;\n"
    "  - that every S3 store of archive.stores is reachable and writable (a\n"
    "    probe object is written, read back and deleted under its prefix).\n"
    "Prints one `file:line: message` line per problem and exits 1 if there is any.\n"
    "Also says whether ClamAV's daemon (documents.clamd) answers PING: while it\n"
    "does not, shared documents are refused (503); that alone is not a problem\n"
    "here, since clamd may start after the hub.\n"
    "Secrets substituted with ${env:…} or ${file:…} are never printed.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

struct LoadedWorkflow {
  workflow::WorkflowDefinition definition;
};

// Reads every *.yaml / *.yml in the directory; problems are appended.
std::vector<LoadedWorkflow> check_workflows(const config::Config& config,
                                            std::vector<std::string>& problems) {
  std::vector<LoadedWorkflow> loaded;
  std::error_code ec;
  if (!std::filesystem::is_directory(config.workflows_dir, ec)) {
    problems.push_back(config.source_file + ": workflows_dir: " + config.workflows_dir +
                       " is not a directory");
    return loaded;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(config.workflows_dir, ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    workflow::WorkflowParse parsed = workflow::validate_workflow_file(file.string());
    for (const auto& p : parsed.problems) problems.push_back(p.to_string());
    if (parsed.ok() && parsed.definition) loaded.push_back({*parsed.definition});
  }
  return loaded;
}

// Each facility's workflows need their roles bound to a loaded instance of
// that capability.
void check_bindings(const config::Config& config, const std::vector<LoadedWorkflow>& workflows,
                    const plugin_host::PluginHost* plugins, std::vector<std::string>& problems) {
  for (const auto& [id, facility] : config.facilities) {
    std::string where =
        config.source_file + ":" + std::to_string(facility.line) + ": facilities." + id;
    for (const auto& name : facility.workflows) {
      bool known = std::any_of(workflows.begin(), workflows.end(),
                               [&](const LoadedWorkflow& w) { return w.definition.name == name; });
      if (!known) {
        problems.push_back(where + ".workflows: no workflow named \"" + name + "\" in " +
                           config.workflows_dir);
      }
    }
    for (const auto& w : workflows) {
      const auto& wanted = facility.workflows;
      if (!wanted.empty() &&
          std::find(wanted.begin(), wanted.end(), w.definition.name) == wanted.end()) {
        continue;
      }
      for (const auto& role : workflow::roles_used(w.definition)) {
        auto binding = facility.bindings.find(role);
        if (binding == facility.bindings.end()) {
          problems.push_back(where + ".bindings: workflow \"" + w.definition.name + "\" uses the " +
                             role + " role, which is not bound");
          continue;
        }
        if (!plugins) continue;
        auto loaded = plugins->instance(binding->second);
        if (!loaded.ok()) {
          problems.push_back(where + ".bindings." + role + ": instance " + binding->second +
                             " is not loaded");
        }
      }
    }
  }
}

// Each S3 store of archive.stores is reachable and writable: a probe object
// written, read back and deleted. The problem names the store's line and
// the step that failed.
void check_archive_stores(const config::Config& config, std::vector<std::string>& problems) {
  for (const auto& [name, entry] : config.archive.stores) {
    const std::string where =
        config.source_file + ":" + std::to_string(entry.line) + ": archive.stores." + name + ": ";
    auto store = object_store::S3ObjectStore::create(object_store::s3_store_options(entry));
    if (!store.ok()) {
      problems.push_back(where + store.error().message);
      continue;
    }
    // Keys that cannot be had are reported as such, not as a failed write.
    if (sdk::Status keys = (*store)->check_credentials(); !keys.ok()) {
      problems.push_back(where + keys.error().message);
      continue;
    }
    sdk::Status probed = (*store)->probe();
    if (!probed.ok()) problems.push_back(where + probed.error().message);
  }
}

// Whether clamd answers PING at documents.clamd: one line on `out` when it
// does, on `err` when it does not.
void report_clamd(const config::Config& config, std::ostream& out, std::ostream& err) {
  auto scanner = clinical::ClamdScanner::create(config.documents.clamd, std::chrono::seconds(5));
  if (!scanner.ok()) {
    err << config.source_file << ": documents.clamd: " << scanner.error().message << "\n";
    return;
  }
  if (sdk::Status ping = scanner->ping(); !ping.ok()) {
    err << config.source_file << ": documents.clamd: " << ping.error().message
        << "; shared documents are refused (503) until it answers\n";
    return;
  }
  out << config.source_file << ": documents.clamd: " << config.documents.clamd
      << " answers (ClamAV scans shared documents)\n";
}

int check(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "check", kCheckUsage, {"config"}, {}, err);
  if (!args) return kExitUsage;
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  spdlog::set_level(spdlog::level::off);  // problems are printed below, once each

  std::vector<std::string> problems;
  std::vector<LoadedWorkflow> workflows = check_workflows(*config, problems);

  observability::Metrics metrics;
  plugin_host::PluginHostOptions plugin_options;
  plugin_options.keep_failed_instances = true;  // each failed instance at its own line
  auto plugins = plugin_host::PluginHost::load(*config, metrics, plugin_options);
  if (!plugins.ok()) {
    problems.push_back(config->source_file + ": plugins: " + plugins.error().message);
  } else {
    for (const auto& status : (*plugins)->instances()) {
      if (!status.loaded) {
        auto it = config->instances.find(status.name);
        int line = it == config->instances.end() ? 0 : it->second.line;
        problems.push_back(config->source_file + ":" + std::to_string(line) + ": instances." +
                           status.name + ": " + status.problem +
                           (status.optional ? " (optional: the hub would start without it)" : ""));
      }
    }
    // Two keys under one kid (the hub would publish the first only), or a
    // sign-in provider's client key that cannot be read.
    std::vector<api::KeyProblem> key_problems;
    std::vector<api::KeySource> provider_keys = api::signin_key_sources(*config, key_problems);
    api::JwksBuild built = api::build_jwks(**plugins, provider_keys);
    key_problems.insert(key_problems.end(), built.problems.begin(), built.problems.end());
    for (const api::KeyProblem& problem : key_problems) {
      problems.push_back(api::located(*config, problem));
    }
  }
  check_bindings(*config, workflows, plugins.ok() ? plugins->get() : nullptr, problems);
  check_archive_stores(*config, problems);

  report_clamd(*config, out, err);
  for (const auto& p : problems) err << p << "\n";
  if (!problems.empty()) {
    err << problems.size() << " problem(s); fix them and run `wasl check --config "
        << config->source_file << "` again\n";
    return kExitFailure;
  }
  out << config->source_file << ": OK (" << workflows.size() << " workflow(s), "
      << config->instances.size() << " plugin instance(s), " << config->facilities.size()
      << " facilit" << (config->facilities.size() == 1 ? "y" : "ies") << ")\n";
  return kExitOk;
}

}  // namespace

const Command& check_command() {
  static const Command command{"check", "validate config, workflows and plugin settings",
                               kCheckUsage, &check};
  return command;
}

}  // namespace wasl::cli
