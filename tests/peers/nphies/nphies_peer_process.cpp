#include "tests/peers/nphies/nphies_peer_process.hpp"

#include <unistd.h>

namespace wasl::plugins::nphies::testing {
namespace {

namespace fs = std::filesystem;
using wasl::testing::PeerOptions;
using wasl::testing::PeerProcess;

// Certificates and their tool's log, in the build tree.
fs::path work_dir() {
  fs::path dir = fs::path(WASL_BINARY_DIR) / "tests/peers/nphies/run";
  fs::create_directories(dir);
  return dir;
}

}  // namespace

sdk::Status NphiesPeerProcess::ensure_dependencies(std::chrono::seconds deadline) {
  return PeerProcess::install("nphies", deadline);
}

sdk::Result<fs::path> NphiesPeerProcess::make_pki(const std::string& name) {
  fs::path dir = work_dir() / ("pki-" + name + "-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  WASL_RETURN_IF_ERROR(wasl::testing::run_to_completion(
      "scripts/test-pki",
      {(fs::path(WASL_SOURCE_DIR) / "scripts/test-pki").string(), dir.string(), "--days", "2"},
      (work_dir() / ("test-pki-" + name + ".log")).string(), std::chrono::seconds(60)));
  return dir;
}

sdk::Result<std::unique_ptr<NphiesPeerProcess>> NphiesPeerProcess::start(
    const fs::path& pki, const std::vector<std::string>& extra_args,
    std::chrono::seconds deadline) {
  PeerOptions options;
  options.args = {"--pki-dir", pki.string()};
  options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
  options.start_deadline = deadline;
  WASL_ASSIGN_OR_RETURN(auto process, PeerProcess::start("nphies", std::move(options)));
  return std::unique_ptr<NphiesPeerProcess>(new NphiesPeerProcess(std::move(process)));
}

}  // namespace wasl::plugins::nphies::testing
