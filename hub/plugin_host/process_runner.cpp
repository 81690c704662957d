#include "hub/plugin_host/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

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

// What the child needs, prepared before fork: after fork the child may only
// make async-signal-safe calls (the hub has other threads), so nothing is
// allocated there.
struct ChildSetup {
  pid_t parent = 0;
  const char* executable = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_directory = nullptr;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;  // close-on-exec; carries errno when the exec did not happen
};

// Signals a child gets with their default action even when the hub ignores
// them (an ignored signal stays ignored across exec; the hub ignores SIGPIPE).
constexpr std::array<int, 9> kDefaultSignals = {SIGPIPE, SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                                                SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM};

[[noreturn]] void child_failed(const ChildSetup& setup, int error) {
  while (::write(setup.report_fd, &error, sizeof error) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

// The child between fork and exec: async-signal-safe calls only.
[[noreturn]] void run_child(const ChildSetup& setup) {
  // The child dies with the hub: SIGKILL when the thread that forked it
  // ends. That thread is the one in ProcessRunner::run, which returns only
  // after it has reaped the child, so the signal comes only when the hub
  // itself dies (kill -9, a crash). A hub that died before this line is
  // seen by the parent pid having changed.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_failed(setup, errno);
  if (::getppid() != setup.parent) ::_exit(127);
  if (::setpgid(0, 0) != 0) child_failed(setup, errno);
  // The hub's handlers must not run in the child before exec; exec would
  // reset them, the listed signals are reset even when ignored.
  for (int s = 1; s < NSIG; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    struct sigaction old {};
    if (::sigaction(s, nullptr, &old) != 0) continue;  // the C library's own signals
    const bool listed =
        std::find(kDefaultSignals.begin(), kDefaultSignals.end(), s) != kDefaultSignals.end();
    const bool caught = (old.sa_flags & SA_SIGINFO) != 0 ||
                        (old.sa_handler != SIG_IGN && old.sa_handler != SIG_DFL);
    if (listed || caught) {
      struct sigaction defaults {};
      defaults.sa_handler = SIG_DFL;
      ::sigaction(s, &defaults, nullptr);
    }
  }
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) child_failed(setup, errno);
  for (auto [from, to] :
       {std::pair{null, 0}, std::pair{setup.stdout_fd, 1}, std::pair{setup.stderr_fd, 2}}) {
    // dup2 onto itself keeps close-on-exec; clear it then.
    const int rc = from == to ? ::fcntl(to, F_SETFD, 0) : ::dup2(from, to);
    if (rc < 0) child_failed(setup, errno);
  }
  if (::chdir(setup.working_directory) != 0) child_failed(setup, errno);
  // Every other descriptor closed, but the report pipe (close-on-exec).
  const auto report = static_cast<unsigned int>(setup.report_fd);
  if (report > 3) ::close_range(3, report - 1, 0);
  ::close_range(report + 1, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(setup.executable, setup.argv, setup.envp);
  child_failed(setup, errno);
}

// Blocks every signal in the calling thread for its lifetime, so no handler
// of the hub runs in a child between fork and its own signal setup.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~SignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t saved_{};
};

// What spawn() did: the child's pid, or the errno of fork, of the child's
// setup or of exec (the child then reaped).
struct Spawned {
  pid_t pid = -1;
  int error = 0;
};

// Forks and execs `setup` (see run_child). The parent closes `report_write`
// once forked and reads `report_read`.
Spawned spawn(const ChildSetup& setup, int report_read, Fd& report_write) {
  pid_t pid = 0;
  int fork_error = 0;
  {
    SignalsBlocked blocked;
    pid = ::fork();
    if (pid == 0) run_child(setup);
    fork_error = errno;
  }
  if (pid < 0) return {-1, fork_error};
  report_write.reset();
  int error = 0;
  ssize_t got = 0;
  while ((got = ::read(report_read, &error, sizeof error)) < 0 && errno == EINTR) {
  }
  if (got == 0) return {pid, 0};  // the report pipe closed on exec
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {-1, got == static_cast<ssize_t>(sizeof error) ? error : EIO};
}

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

  std::array<int, 2> report_pipe{-1, -1};
  if (::pipe2(report_pipe.data(), O_CLOEXEC) != 0) {
    return Error(ErrorCode::kUnavailable, owner_ + ": no pipe for a process: " + errno_text(errno));
  }
  Fd report_read(report_pipe[0]);
  Fd report_write(report_pipe[1]);
  ChildSetup setup;
  setup.parent = ::getpid();
  setup.executable = request.executable.c_str();
  setup.argv = argv.data();
  setup.envp = envp.data();
  setup.working_directory = request.working_directory.c_str();
  setup.stdout_fd = out_write.fd;
  setup.stderr_fd = err_write.fd;
  setup.report_fd = report_write.fd;

  const auto started = Clock::now();
  pid_t pid = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return Error(ErrorCode::kCancelled, owner_ + ": the instance is stopping", true);
    }
    const Spawned spawned = spawn(setup, report_read.fd, report_write);
    if (spawned.pid < 0) {
      return Error(ErrorCode::kFailedPrecondition,
                   owner_ + ": cannot run " + request.executable + " in " +
                       request.working_directory + ": " + errno_text(spawned.error),
                   false);
    }
    pid = spawned.pid;
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
