#include "hub/cli/config_loading.hpp"

#include "hub/config/loader.hpp"

namespace wasl::cli {

std::optional<config::Config> load_config_reporting(const Arguments& args, std::ostream& err) {
  std::string path = args.option("config").value_or(kDefaultConfigPath);
  config::LoadResult loaded = config::load_file(path);
  if (!loaded.ok()) {
    for (const auto& p : loaded.problems) err << p.to_string() << "\n";
    err << loaded.problems.size() << " problem(s) in " << path
        << "; fix them and run `wasl check --config " << path << "` again\n";
    return std::nullopt;
  }
  return std::move(loaded.config);
}

}  // namespace wasl::cli
