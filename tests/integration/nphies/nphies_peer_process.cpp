#include "tests/integration/nphies/nphies_peer_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

extern char** environ;

namespace wasl::plugins::nphies::testing {
namespace {

namespace fs = std::filesystem;
using sdk::Error;
using sdk::ErrorCode;

fs::path peer_dir() { return fs::path(WASL_SOURCE_DIR) / "tests/peers/nphies"; }
fs::path work_dir() {
  fs::path dir = fs::path(WASL_BINARY_DIR) / "tests/integration/nphies/run";
  fs::create_directories(dir);
  return dir;
}

// Spawns argv (looked up in PATH) with stdout and stderr appended to `log`.
sdk::Result<pid_t> spawn(const std::vector<std::string>& args, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return Error(ErrorCode::kUnavailable, "cannot start " + args[0] + ": " + std::strerror(rc));
  }
  return pid;
}

sdk::Result<int> wait_exit(pid_t pid, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (done < 0) return Error(ErrorCode::kInternal, "waitpid failed");
    if (std::chrono::steady_clock::now() >= until) {
      return Error(ErrorCode::kDeadlineExceeded, "the process did not exit in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling with a deadline
  }
}

sdk::Status run(const std::vector<std::string>& args, const fs::path& log,
                std::chrono::seconds deadline) {
  WASL_ASSIGN_OR_RETURN(pid_t pid, spawn(args, log));
  auto status = wait_exit(pid, deadline);
  if (!status.ok()) {
    kill(pid, SIGKILL);
    (void)wait_exit(pid, std::chrono::seconds(5));
    return status.error();
  }
  if (*status != 0) {
    return Error(ErrorCode::kUnavailable, args[0] + " failed with status " +
                                              std::to_string(*status) + "; see " + log.string());
  }
  return {};
}

}  // namespace

sdk::Status NphiesPeerProcess::ensure_dependencies(std::chrono::seconds deadline) {
  return run({(peer_dir() / "scripts/install").string()}, work_dir() / "install.log", deadline);
}

sdk::Result<fs::path> NphiesPeerProcess::make_pki(const std::string& name) {
  fs::path dir = work_dir() / ("pki-" + name + "-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  WASL_RETURN_IF_ERROR(run({(fs::path(WASL_SOURCE_DIR) / "scripts/test-pki").string(),
                            dir.string(), "--days", "2"},
                           work_dir() / "test-pki.log", std::chrono::seconds(60)));
  return dir;
}

sdk::Result<std::unique_ptr<NphiesPeerProcess>> NphiesPeerProcess::start(
    const fs::path& pki, const std::vector<std::string>& extra_args, std::chrono::seconds deadline) {
  static int counter = 0;
  std::string tag = std::to_string(getpid()) + "-" + std::to_string(++counter);
  fs::path port_file = work_dir() / ("peer-" + tag + ".port");
  fs::path log = work_dir() / ("peer-" + tag + ".log");
  std::error_code ec;
  fs::remove(port_file, ec);
  std::vector<std::string> args = {"node", (peer_dir() / "src/main.js").string(), "--pki-dir",
                                   pki.string(), "--port-file", port_file.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  WASL_ASSIGN_OR_RETURN(pid_t pid, spawn(args, log));
  std::unique_ptr<NphiesPeerProcess> peer(new NphiesPeerProcess(pid, log.string()));
  auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    std::ifstream in(port_file);
    std::stringstream text;
    text << in.rdbuf();
    auto ports = nlohmann::json::parse(text.str(), nullptr, false);
    if (ports.is_object() && ports.value("port", 0) > 0) {
      peer->port_ = ports["port"];
      peer->control_port_ = ports["control_port"];
      return peer;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      peer->pid_ = -1;
      return Error(ErrorCode::kUnavailable, "the NPHIES peer exited at start; see " + log.string());
    }
    if (std::chrono::steady_clock::now() >= until) {
      return Error(ErrorCode::kDeadlineExceeded,
                   "the NPHIES peer wrote no ports in time; see " + log.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling with a deadline
  }
}

NphiesPeerProcess::~NphiesPeerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (!wait_exit(pid_, std::chrono::seconds(5)).ok()) {
    kill(pid_, SIGKILL);
    (void)wait_exit(pid_, std::chrono::seconds(5));
  }
}

sdk::Result<nlohmann::json> NphiesPeerProcess::send(const std::string& method,
                                                    const std::string& path,
                                                    const std::string& body) const {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(control_port_));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    if (response.getStatus() / 100 != 2) {
      return Error(ErrorCode::kUnavailable, "peer control " + method + " " + path + " answered " +
                                                std::to_string(response.getStatus()) + ": " + text);
    }
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kUnavailable, "peer control " + method + " " + path + ": " + e.what());
  }
}

sdk::Result<nlohmann::json> NphiesPeerProcess::get(const std::string& path) const {
  return send("GET", path, "");
}

sdk::Result<nlohmann::json> NphiesPeerProcess::post(const std::string& path,
                                                    const nlohmann::json& body) const {
  return send("POST", path, body.dump());
}

}  // namespace wasl::plugins::nphies::testing
