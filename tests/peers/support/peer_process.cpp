#include "tests/peers/support/peer_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

extern char** environ;

namespace wasl::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using sdk::Error;
using sdk::ErrorCode;

constexpr auto kPollInterval = 20ms;
constexpr std::size_t kLogTail = 2000;

fs::path peer_dir(const std::string& peer) {
  return fs::path(WASL_SOURCE_DIR) / "tests/peers" / peer;
}

// Logs, port files and the install lock of one peer, in the build tree.
fs::path work_dir(const std::string& peer) {
  fs::path dir = fs::path(WASL_BINARY_DIR) / "tests/peers" / peer;
  fs::create_directories(dir);
  return dir;
}

// The last kLogTail bytes of `log`, for an error message.
std::string tail_of(const fs::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  std::size_t from = size > kLogTail ? size - kLogTail : 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.empty() ? "" : "; it ends:\n" + text;
}

// Spawns argv[0] (an absolute path) in a process group of its own, stdin
// from /dev/null, stdout and stderr appended to `log`.
sdk::Result<pid_t> spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
                         const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return Error(ErrorCode::kUnavailable, "cannot start " + args[0] + ": " + std::strerror(rc));
  }
  return pid;
}

// The exit status of `pid` once it exits within `deadline` (128+N for
// signal N), or kDeadlineExceeded.
sdk::Result<int> wait_exit(pid_t pid, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (done < 0)
      return Error(ErrorCode::kInternal, std::string("waitpid: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= until) {
      return Error(ErrorCode::kDeadlineExceeded, "the process did not exit in time");
    }
    std::this_thread::sleep_for(kPollInterval);  // polling with a deadline
  }
}

// SIGKILL to the process group of `pid` (the peer and whatever it started),
// then reaps `pid`.
void kill_group(pid_t pid) {
  kill(-pid, SIGKILL);
  (void)wait_exit(pid, 5s);
}

bool declares_dependencies(const fs::path& package_json) {
  std::ifstream in(package_json);
  if (!in) return false;
  auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return false;
  for (const char* key : {"dependencies", "devDependencies", "optionalDependencies"}) {
    if (doc.contains(key) && doc[key].is_object() && !doc[key].empty()) return true;
  }
  return false;
}

// node_modules is as new as package-lock.json: npm writes
// node_modules/.package-lock.json last, when an install completed.
bool installed(const fs::path& dir) {
  std::error_code ec;
  fs::path marker = dir / "node_modules/.package-lock.json";
  if (!fs::exists(marker, ec)) return false;
  return fs::last_write_time(marker, ec) >= fs::last_write_time(dir / "package-lock.json", ec);
}

// Holds an exclusive flock on `path`, taken within a deadline.
class InstallLock {
 public:
  static sdk::Result<std::unique_ptr<InstallLock>> take(const fs::path& path,
                                                        std::chrono::seconds deadline) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Error(ErrorCode::kInternal, "cannot open " + path.string());
    auto until = std::chrono::steady_clock::now() + deadline;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (std::chrono::steady_clock::now() >= until) {
        close(fd);
        return Error(ErrorCode::kDeadlineExceeded,
                     "another test process held " + path.string() + " for too long");
      }
      std::this_thread::sleep_for(kPollInterval);  // polling with a deadline
    }
    return std::unique_ptr<InstallLock>(new InstallLock(fd));
  }
  ~InstallLock() {
    flock(fd_, LOCK_UN);
    close(fd_);
  }

 private:
  explicit InstallLock(int fd) : fd_(fd) {}
  int fd_;
};

sdk::Status run_npm_ci(const std::string& peer, std::chrono::seconds deadline) {
  fs::path dir = peer_dir(peer);
  if (!fs::exists(dir / "package-lock.json")) {
    if (!declares_dependencies(dir / "package.json")) return {};
    return Error(ErrorCode::kFailedPrecondition,
                 dir.string() + " declares dependencies but has no package-lock.json; commit one");
  }
  if (installed(dir)) return {};
  auto started = std::chrono::steady_clock::now();
  WASL_ASSIGN_OR_RETURN(auto lock, InstallLock::take(work_dir(peer) / "npm-ci.lock", deadline));
  if (installed(dir)) return {};  // another test process installed meanwhile
  auto left = deadline - std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::steady_clock::now() - started);
  return run_to_completion(
      "npm ci in " + dir.string(),
      {WASL_NPM_EXECUTABLE, "ci", "--prefix", dir.string(), "--no-audit", "--no-fund"},
      (work_dir(peer) / "npm-ci.log").string(), std::max(left, std::chrono::seconds(1)));
}

// The ports in a port file: a number, or {"port":N,"control_port":M};
// nullopt while it is absent or incomplete.
std::optional<std::pair<int, int>> read_ports(const fs::path& port_file) {
  std::ifstream in(port_file);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_number_integer() && doc.get<int>() > 0) return std::make_pair(doc.get<int>(), 0);
  if (doc.is_object() && doc.value("port", 0) > 0) {
    return std::make_pair(doc.value("port", 0), doc.value("control_port", 0));
  }
  return std::nullopt;
}

}  // namespace

sdk::Status run_to_completion(const std::string& what, const std::vector<std::string>& args,
                              const std::string& log, std::chrono::seconds deadline) {
  std::error_code ec;
  fs::remove(log, ec);
  WASL_ASSIGN_OR_RETURN(pid_t pid, spawn(args, {}, log));
  auto status = wait_exit(pid, deadline);
  if (!status.ok()) {
    kill_group(pid);
    return Error(ErrorCode::kDeadlineExceeded, what + " took longer than " +
                                                   std::to_string(deadline.count()) + " s; see " +
                                                   log + tail_of(log));
  }
  if (*status != 0) {
    return Error(ErrorCode::kUnavailable, what + " failed with status " + std::to_string(*status) +
                                              "; see " + log + tail_of(log));
  }
  return {};
}

sdk::Status PeerProcess::install(const std::string& peer, std::chrono::seconds deadline) {
  static std::mutex mutex;
  static std::map<std::string, sdk::Status> outcomes;
  std::lock_guard<std::mutex> hold(mutex);
  auto known = outcomes.find(peer);
  if (known != outcomes.end()) return known->second;
  sdk::Status outcome = run_npm_ci(peer, deadline);
  outcomes.emplace(peer, outcome);
  return outcome;
}

sdk::Result<std::unique_ptr<PeerProcess>> PeerProcess::start(const std::string& peer,
                                                             PeerOptions options) {
  WASL_RETURN_IF_ERROR(install(peer, options.install_deadline));
  static std::atomic<int> counter{0};
  std::string tag = fs::path(options.script).stem().string() + "-" + std::to_string(getpid()) +
                    "-" + std::to_string(++counter);
  fs::path port_file = work_dir(peer) / (tag + ".port");
  fs::path log = work_dir(peer) / (tag + ".log");
  std::error_code ec;
  fs::remove(port_file, ec);
  fs::remove(log, ec);
  std::vector<std::string> args = {WASL_NODE_EXECUTABLE,
                                   (peer_dir(peer) / options.script).string(),
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   "0",
                                   "--port-file",
                                   port_file.string()};
  args.insert(args.end(), options.args.begin(), options.args.end());
  WASL_ASSIGN_OR_RETURN(pid_t pid, spawn(args, options.env, log));
  std::unique_ptr<PeerProcess> process(new PeerProcess(pid, log.string()));
  const std::string what = peer + "/" + options.script;
  auto until = std::chrono::steady_clock::now() + options.start_deadline;
  while (true) {
    if (auto ports = read_ports(port_file)) {
      process->port_ = ports->first;
      process->control_port_ = ports->second;
      return process;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process->stopped_ = Error(ErrorCode::kUnavailable, "exited at start");
      return Error(
          ErrorCode::kUnavailable,
          what + " exited at start with status " +
              std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
              "; see " + log.string() + tail_of(log));
    }
    if (std::chrono::steady_clock::now() >= until) {
      (void)process->stop(2s);
      return Error(ErrorCode::kDeadlineExceeded,
                   what + " wrote no port within " +
                       std::to_string(options.start_deadline.count()) + " s; see " + log.string() +
                       tail_of(log));
    }
    std::this_thread::sleep_for(kPollInterval);  // polling with a deadline
  }
}

sdk::Result<int> PeerProcess::stop(std::chrono::seconds deadline) {
  if (stopped_) return *stopped_;
  kill(pid_, SIGTERM);
  auto status = wait_exit(pid_, deadline);
  if (status.ok()) {
    stopped_ = *status;
  } else {
    kill_group(pid_);
    stopped_ = Error(ErrorCode::kDeadlineExceeded,
                     "the peer did not stop within " + std::to_string(deadline.count()) +
                         " s of SIGTERM and was killed; see " + log_file_);
  }
  return *stopped_;
}

PeerProcess::~PeerProcess() { (void)stop(); }

sdk::Result<nlohmann::json> PeerProcess::call(const std::string& method, const std::string& path,
                                              const std::string& body) const {
  try {
    Poco::Net::HTTPClientSession session(
        "127.0.0.1", static_cast<Poco::UInt16>(control_port_ ? control_port_ : port_));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!body.empty() || method == "POST" || method == "PUT") {
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
    if (text.empty()) return nlohmann::json::object();
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      return Error(ErrorCode::kInternal, method + " " + path + " answered no JSON: " + text);
    }
    return doc;
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kUnavailable, method + " " + path + ": " + e.displayText());
  }
}

sdk::Result<nlohmann::json> PeerProcess::get(const std::string& path) const {
  return call("GET", path, "");
}

sdk::Result<nlohmann::json> PeerProcess::post(const std::string& path,
                                              const nlohmann::json& body) const {
  return call("POST", path, body.dump());
}

void SuitePeer::start(const std::string& peer, PeerOptions options) {
  auto started = PeerProcess::start(peer, std::move(options));
  if (started.ok()) {
    peer_ = std::move(started).value();
    error_.clear();
  } else {
    peer_.reset();
    error_ = started.error().message;
  }
}

}  // namespace wasl::testing
