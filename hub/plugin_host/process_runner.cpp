#include "hub/plugin_host/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "hub/plugin_host/call_budget.hpp"

namespace wasl::plugin_host {

namespace {

using sdk::Error;
using sdk::ErrorCode;
using Clock = std::chrono::steady_clock;

// After the group is killed, how long the pipes may stay open (a descendant
// that left the group with setsid still holds them) before the run ends
// without the rest of its output.
constexpr auto kDrainAfterKill = std::chrono::seconds(2);
// Longest wait between looks at the leader, the clock and the call budget.
constexpr auto kTick = std::chrono::milliseconds(50);

// The last `limit` bytes of a stream. Trims only when twice the limit is
// held, so a large output costs linear time.
struct Tail {
  std::size_t limit = 0;
  std::string data;
  bool truncated = false;

  void append(const char* bytes, std::size_t n) {
    if (limit == 0) {
      truncated = truncated || n > 0;
      return;
    }
    data.append(bytes, n);
    if (data.size() > 2 * limit) trim();
  }
  void trim() {
    if (data.size() <= limit) return;
    data.erase(0, data.size() - limit);
    truncated = true;
  }
};

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

std::string errno_text(int error) { return std::strerror(error); }

// Owns a descriptor.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Spawn attributes and file actions, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

enum class Stop { kNone, kTimeLimit, kBudget, kStopped };

}  // namespace

ProcessRunner::ProcessRunner(std::string owner, std::vector<std::string> allowed)
    : owner_(std::move(owner)), allowed_(std::move(allowed)) {}

ProcessRunner::~ProcessRunner() { stop_all(); }

void ProcessRunner::stop_all() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  for (pid_t group : running_) ::kill(-group, SIGKILL);
}

sdk::Status ProcessRunner::check(const sdk::ProcessRequest& request) const {
  auto invalid = [&](const std::string& what) {
    return Error(ErrorCode::kInvalidArgument, owner_ + ": a process request " + what, false);
  };
  const std::string& exe = request.executable;
  if (exe.empty() || exe.front() != '/' || has_nul(exe) ||
      std::find(allowed_.begin(), allowed_.end(), exe) == allowed_.end()) {
    return Error(ErrorCode::kPermissionDenied,
                 owner_ + " may not run " + (has_nul(exe) ? std::string("that program") : exe) +
                     ": only the absolute paths its settings name as executables (" +
                     std::to_string(allowed_.size()) + ")",
                 false);
  }
  for (const auto& argument : request.arguments) {
    if (has_nul(argument)) return invalid("has an argument with a NUL byte");
  }
  for (const auto& [name, value] : request.environment) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name) || has_nul(value)) {
      return invalid("has an environment variable whose name is empty or holds '=' or NUL");
    }
  }
  if (request.working_directory.empty() || request.working_directory.front() != '/' ||
      has_nul(request.working_directory)) {
    return invalid("needs an absolute working_directory");
  }
  if (request.timeout.count() < 1) return invalid("needs a timeout of at least 1 ms");
  return sdk::ok_status();
}

sdk::Result<sdk::ProcessResult> ProcessRunner::run(const sdk::ProcessRequest& request) {
  WASL_RETURN_IF_ERROR(check(request));
  const CallBudget* budget = current_call_budget();
  const std::string what = "running " + request.executable;
  if (budget != nullptr) WASL_RETURN_IF_ERROR(budget->check(what));

  std::array<int, 2> out_pipe{-1, -1};
  std::array<int, 2> err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) {
    return Error(ErrorCode::kUnavailable, owner_ + ": no pipe for a process: " + errno_text(errno));
  }
  Fd out_read(out_pipe[0]);
  Fd out_write(out_pipe[1]);
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    return Error(ErrorCode::kUnavailable, owner_ + ": no pipe for a process: " + errno_text(errno));
  }
  Fd err_read(err_pipe[0]);
  Fd err_write(err_pipe[1]);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out_write.fd, 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err_write.fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  posix_spawn_file_actions_addchdir_np(&setup.actions, request.working_directory.c_str());
  posix_spawnattr_setflags(&setup.attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&setup.attributes, &none);
  // The hub ignores SIGPIPE; an ignored signal stays ignored across exec, so
  // put the usual ones back to their defaults for the child.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM}) {
    sigaddset(&defaults, s);
  }
  posix_spawnattr_setsigdefault(&setup.attributes, &defaults);

  std::vector<std::string> env_text;
  env_text.reserve(request.environment.size());
  for (const auto& [name, value] : request.environment) env_text.push_back(name + "=" + value);
  std::vector<char*> argv;
  argv.reserve(request.arguments.size() + 2);
  argv.push_back(const_cast<char*>(request.executable.c_str()));
  for (const auto& a : request.arguments) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env_text.size() + 1);
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  const auto started = Clock::now();
  pid_t pid = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return Error(ErrorCode::kCancelled, owner_ + ": the instance is stopping", true);
    }
    int rc = ::posix_spawn(&pid, request.executable.c_str(), &setup.actions, &setup.attributes,
                           argv.data(), envp.data());
    if (rc != 0) {
      return Error(ErrorCode::kFailedPrecondition,
                   owner_ + ": cannot run " + request.executable + " in " +
                       request.working_directory + ": " + errno_text(rc),
                   false);
    }
    running_.insert(pid);
  }
  out_write.reset();
  err_write.reset();

  Tail out{std::min(request.max_output_bytes, kMaxOutputBytes)};
  Tail err{std::min(request.max_output_bytes, kMaxOutputBytes)};
  const auto deadline = started + request.timeout;
  Stop stop = Stop::kNone;
  sdk::Status budget_status;
  bool leader_done = false;
  bool group_killed = false;
  Clock::time_point killed_at{};
  auto kill_group = [&] {
    if (group_killed) return;
    ::kill(-pid, SIGKILL);
    group_killed = true;
    killed_at = Clock::now();
  };

  std::array<char, 65536> buffer{};
  for (;;) {
    if (!leader_done) {
      siginfo_t info{};
      // WNOWAIT: the leader stays a zombie, so its pid (the group id) cannot
      // be reused before the group is killed.
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == pid) {
        leader_done = true;
        kill_group();  // what it left behind in its group ends with it
      }
    }
    if (leader_done && out_read.fd < 0 && err_read.fd < 0) break;
    const auto now = Clock::now();
    if (group_killed && now - killed_at > kDrainAfterKill && leader_done) break;
    if (!group_killed) {
      if (now >= deadline) {
        stop = Stop::kTimeLimit;
      } else if (budget != nullptr && !(budget_status = budget->check(what)).ok()) {
        stop = Stop::kBudget;
      } else {
        std::lock_guard lock(mutex_);
        if (stopped_) stop = Stop::kStopped;
      }
      if (stop != Stop::kNone) kill_group();
    }

    std::array<pollfd, 2> fds{};
    std::array<Tail*, 2> tails{};
    std::array<Fd*, 2> owners{};
    nfds_t n = 0;
    for (auto [fd, tail] : {std::pair{&out_read, &out}, std::pair{&err_read, &err}}) {
      if (fd->fd < 0) continue;
      fds[n] = pollfd{fd->fd, POLLIN, 0};
      tails[n] = tail;
      owners[n] = fd;
      ++n;
    }
    auto wait = kTick;
    if (!group_killed) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                                std::chrono::milliseconds(1));
    }
    if (n == 0) wait = std::chrono::milliseconds(5);  // only the leader's exit is left to see
    int ready = ::poll(fds.data(), n, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < n && ready > 0; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t got = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (got > 0) {
        tails[i]->append(buffer.data(), static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        owners[i]->reset();
      }
    }
  }

  int status = 0;
  {
    std::lock_guard lock(mutex_);
    running_.erase(pid);
  }
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.trim();
  err.trim();
  // stop_all() may have killed the group before this loop looked at stopped_.
  if (stop == Stop::kNone && !WIFEXITED(status)) {
    std::lock_guard lock(mutex_);
    if (stopped_) stop = Stop::kStopped;
  }

  if (stop == Stop::kBudget) return budget_status.error();
  if (stop == Stop::kStopped) {
    return Error(ErrorCode::kCancelled,
                 owner_ + ": " + request.executable + " was killed: the instance is stopping",
                 true);
  }
  sdk::ProcessResult result;
  result.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  result.timed_out = stop == Stop::kTimeLimit;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  result.stdout_data = std::move(out.data);
  result.stderr_data = std::move(err.data);
  result.stdout_truncated = out.truncated;
  result.stderr_truncated = err.truncated;
  return result;
}

}  // namespace wasl::plugin_host
