// `wasl workflow validate FILE…`: check workflow files on their own.
// `wasl workflow run-now NAME --facility F [--period P]`: start a scheduled
// workflow's run for one period now (hub/workflow/scheduler.hpp).
#include "hub/app/app.hpp"
#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "hub/workflow/language/workflow_file.hpp"
#include "hub/workflow/scheduler.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kWorkflowUsage =
    "Usage: wasl workflow validate FILE...\n\n"
    "Validates workflow files without a config: keys, step kinds, references to\n"
    "earlier steps, capability roles and methods the SDK defines, compensations,\n"
    "durations and conditions. Prints one `file:line: message` per problem and\n"
    "exits 1 if there is any.\n\n"
    "Options:\n"
    "  --help   this text\n";

int validate(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "workflow validate", kWorkflowUsage, {}, {}, err,
                                      /*positional_allowed=*/true);
  if (!args) return kExitUsage;
  if (args->positional.empty()) {
    err << "wasl workflow validate: name at least one workflow file\n\n" << kWorkflowUsage;
    return kExitUsage;
  }
  return workflow::validate_files(args->positional, out, err) == 0 ? kExitOk : kExitFailure;
}

constexpr std::string_view kRunNowUsage =
    "Usage: wasl workflow run-now NAME --facility F [--period P] [--config FILE]\n\n"
    "Starts the run of a scheduled workflow (trigger kind schedule) for one\n"
    "facility and period now, as its schedule would: the period is the run's key,\n"
    "so a period that has a run already (from the schedule or an earlier\n"
    "run-now) gets no second one and its run id is printed. The workflow files of\n"
    "workflows_dir are deployed first, as `wasl serve` does. The run is written to\n"
    "the database; a serving hub's workers carry out its steps.\n\n"
    "Options:\n"
    "  --facility F    the facility the run is for\n"
    "  --period P      YYYY-MM-DD (period: day) or YYYY-MM (period: month);\n"
    "                  default: the period the latest firing covers (e.g. yesterday)\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

// The facility bindings of the config, so the run keeps the snapshot a
// serving hub would give it; this process calls no capability.
class BindingsOnly final : public workflow::CapabilityInvoker {
 public:
  explicit BindingsOnly(const config::Config& config) {
    for (const auto& [id, facility] : config.facilities) bindings_[id] = facility.bindings;
  }
  workflow::RoleBindings bindings(const std::string& facility_id) const override {
    auto f = bindings_.find(facility_id);
    return f == bindings_.end() ? workflow::RoleBindings{} : f->second;
  }
  sdk::Result<nlohmann::json> invoke(const std::string&, const std::string& method,
                                     const nlohmann::json&, const std::string&) override {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "wasl workflow run-now calls no capability (" + method + ")", false);
  }

 private:
  std::map<std::string, workflow::RoleBindings> bindings_;
};

int run_now(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "workflow run-now", kRunNowUsage,
                                      {"config", "facility", "period"}, {}, err,
                                      /*positional_allowed=*/true);
  if (!args) return kExitUsage;
  auto facility = args->option("facility");
  if (args->positional.size() != 1 || !facility) {
    err << "wasl workflow run-now: name one workflow and --facility\n\n" << kRunNowUsage;
    return kExitUsage;
  }
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  auto fail = [&err](const sdk::Error& e) {
    err << "wasl workflow run-now: " << e.message << "\n";
    return kExitFailure;
  };
  auto keyring = app::load_configured_keyring(*config);
  if (!keyring.ok()) return fail(keyring.error());
  auto store = app::prepare_store(*config);
  if (!store.ok()) return fail(store.error());
  records::CellCipher cipher(*keyring);
  workflow::DefinitionStore definitions(**store);
  if (auto deployed = app::deploy_workflow_files(definitions, config->workflows_dir);
      !deployed.ok()) {
    return fail(deployed.error());
  }
  workflow::HubActions actions;
  observability::Metrics metrics;
  workflow::EngineOptions options;
  options.workers = 0;  // this process only writes the run
  workflow::Engine engine(**store, definitions, std::make_shared<BindingsOnly>(*config), actions,
                          metrics, options, &cipher);
  workflow::Scheduler scheduler(**store, definitions, engine, app::scheduled_facilities(*config));
  auto run =
      scheduler.run_now(args->positional.front(), *facility, args->option("period").value_or(""));
  if (!run.ok()) return fail(run.error());
  if (run->started) {
    out << "started run " << run->run_id << " of " << run->workflow << " for facility "
        << run->facility_id << ", period " << run->period << "\n";
  } else {
    out << "period " << run->period << " of " << run->workflow << " for facility "
        << run->facility_id << " has its run already: " << run->run_id << "\n";
  }
  return kExitOk;
}

}  // namespace

const Command& workflow_run_now_command() {
  static const Command command{"workflow run-now", "start a scheduled workflow's run now",
                               kRunNowUsage, &run_now};
  return command;
}

const Command& workflow_validate_command() {
  static const Command command{"workflow validate", "validate workflow files", kWorkflowUsage,
                               &validate};
  return command;
}

}  // namespace wasl::cli
