#include "tests/integration/twilio/twilio_peer_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

extern char** environ;

namespace wasl::plugins::twilio::testing {
namespace {

namespace fs = std::filesystem;
using sdk::Error;
using sdk::ErrorCode;

fs::path peer_dir() { return fs::path(WASL_SOURCE_DIR) / "tests/peers/twilio"; }
fs::path work_dir() {
  fs::path dir = fs::path(WASL_BINARY_DIR) / "tests/integration/twilio/run";
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

// Waits for `pid` to exit within `deadline`; its exit status, or an error.
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

bool dependencies_fresh() {
  std::error_code ec;
  fs::path marker = peer_dir() / "node_modules/.package-lock.json";
  for (const char* needed : {"node_modules/twilio", "node_modules/jsonwebtoken",
                             "node_modules/.bin/prism"}) {
    if (!fs::exists(peer_dir() / needed, ec)) return false;
  }
  if (!fs::exists(marker, ec)) return false;
  return fs::last_write_time(marker, ec) >= fs::last_write_time(peer_dir() / "package-lock.json", ec);
}

}  // namespace

sdk::Status TwilioPeerProcess::ensure_dependencies(std::chrono::seconds deadline) {
  if (dependencies_fresh()) return {};
  fs::path lock_path = work_dir() / "npm-ci.lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd < 0) return Error(ErrorCode::kInternal, "cannot open " + lock_path.string());
  flock(fd, LOCK_EX);  // another test process may be installing
  sdk::Status result;
  if (!dependencies_fresh()) {
    fs::path log = work_dir() / "npm-ci.log";
    auto pid = spawn({"npm", "ci", "--prefix", peer_dir().string(), "--no-audit", "--no-fund"}, log);
    if (!pid.ok()) {
      result = pid.error();
    } else {
      auto status = wait_exit(*pid, deadline);
      if (!status.ok()) {
        kill(*pid, SIGKILL);
        (void)wait_exit(*pid, std::chrono::seconds(5));
        result = status.error();
      } else if (*status != 0) {
        result = Error(ErrorCode::kUnavailable, "npm ci failed with status " +
                                                    std::to_string(*status) + "; see " + log.string());
      }
    }
  }
  flock(fd, LOCK_UN);
  close(fd);
  return result;
}

sdk::Result<std::unique_ptr<TwilioPeerProcess>> TwilioPeerProcess::start(
    const std::string& script, const std::vector<std::string>& extra_args,
    std::chrono::seconds deadline) {
  static int counter = 0;
  std::string tag = fs::path(script).stem().string() + "-" + std::to_string(getpid()) + "-" +
                    std::to_string(++counter);
  fs::path port_file = work_dir() / (tag + ".port");
  fs::path log = work_dir() / (tag + ".log");
  std::error_code ec;
  fs::remove(port_file, ec);
  std::vector<std::string> args = {"node", (peer_dir() / script).string(), "--port", "0",
                                   "--port-file", port_file.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  WASL_ASSIGN_OR_RETURN(pid_t pid, spawn(args, log));
  std::unique_ptr<TwilioPeerProcess> peer(new TwilioPeerProcess(pid, log.string()));
  auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      peer->port_ = port;
      return peer;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      peer->pid_ = -1;
      return Error(ErrorCode::kUnavailable, script + " exited at start; see " + log.string());
    }
    if (std::chrono::steady_clock::now() >= until) {
      return Error(ErrorCode::kDeadlineExceeded,
                   script + " wrote no port in time; see " + log.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling with a deadline
  }
}

TwilioPeerProcess::~TwilioPeerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (!wait_exit(pid_, std::chrono::seconds(10)).ok()) {
    kill(pid_, SIGKILL);
    (void)wait_exit(pid_, std::chrono::seconds(5));
  }
}

sdk::Result<nlohmann::json> TwilioPeerProcess::send(const std::string& method,
                                                    const std::string& path,
                                                    const std::string& body) const {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (method == "POST") {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    if (response.getStatus() / 100 != 2) {
      return Error(ErrorCode::kInternal, method + " " + path + " answered " +
                                             std::to_string(response.getStatus()) + ": " + text);
    }
    return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kUnavailable, method + " " + path + ": " + e.displayText());
  } catch (const nlohmann::json::exception&) {
    return Error(ErrorCode::kInternal, method + " " + path + " answered no JSON");
  }
}

sdk::Result<nlohmann::json> TwilioPeerProcess::get(const std::string& path) const {
  return send("GET", path, "");
}

sdk::Result<nlohmann::json> TwilioPeerProcess::post(const std::string& path,
                                                    const nlohmann::json& body) const {
  return send("POST", path, body.dump());
}

}  // namespace wasl::plugins::twilio::testing
