// ProcessRunner: what serves Host::run_process for one plugin instance (the
// rules are in sdk process.hpp). It runs only the executables it was given
// (the instance's x-executable settings), with fork and execve from an
// argument vector (no shell), the given environment only, the given working
// directory, stdin on /dev/null, every other descriptor closed, in a process
// group of its own. It reads stdout and stderr as they come, keeping the last
// max_output_bytes of each, and kills the whole group (SIGKILL) when the time
// limit passes, when the current plugin call's budget (call_budget.hpp) is
// cancelled or spent, or when stop_all() runs (instance destruction). A
// leader that exits takes the rest of its group with it, so nothing it
// started outlives the call. The program dies with the hub: it is started
// with PR_SET_PDEATHSIG = SIGKILL, so a hub killed with kill -9 (which runs
// none of the above) leaves no converter running on. That covers the program
// itself, not what it starts in turn (the converters start nothing).
// Thread-safe: several calls may run at once.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "wasl/sdk/process.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

class ProcessRunner {
 public:
  // The most of each stream a request may keep.
  static constexpr std::size_t kMaxOutputBytes = 1024 * 1024;

  // `allowed`: absolute paths; `owner` names the instance in messages.
  ProcessRunner(std::string owner, std::vector<std::string> allowed);
  ~ProcessRunner();  // stop_all()
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // Runs `request` to its end (see the header comment and process.hpp).
  sdk::Result<sdk::ProcessResult> run(const sdk::ProcessRequest& request);

  // Kills every running group and refuses new runs (kCancelled).
  void stop_all();

  const std::vector<std::string>& allowed() const { return allowed_; }

 private:
  sdk::Status check(const sdk::ProcessRequest& request) const;

  const std::string owner_;
  const std::vector<std::string> allowed_;
  std::mutex mutex_;
  std::set<pid_t> running_;  // process group ids (= leaders' pids) not yet reaped
  bool stopped_ = false;
};

}  // namespace wasl::plugin_host
