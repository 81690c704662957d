// RunState: what the engine knows of one workflow run while it works on it,
// loaded by the RunRepository and changed by the Transitions, and the status
// names of runs and step attempts (run_timeline.hpp lists their meanings).
// Plain data; owned by one worker at a time.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/workflow/language/definition.hpp"
#include "hub/workflow/run_bindings.hpp"

namespace wasl::workflow {

namespace run_status {
inline constexpr const char* kRunning = "running";
inline constexpr const char* kWaiting = "waiting";
inline constexpr const char* kCompensating = "compensating";
inline constexpr const char* kCancelling = "cancelling";
inline constexpr const char* kSucceeded = "succeeded";
inline constexpr const char* kFailed = "failed";
inline constexpr const char* kCancelled = "cancelled";

// Whether a run in `status` has ended for good.
inline bool is_final(const std::string& status) {
  return status == kSucceeded || status == kFailed || status == kCancelled;
}
}  // namespace run_status

struct RunState {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  std::string workflow;
  int version = 0;
  std::string status;
  RoleBindings bindings;  // the snapshot taken at creation (empty: none)
  std::shared_ptr<const WorkflowDefinition> definition;
  nlohmann::json data;                      // {trigger, steps, consultation}
  std::map<std::string, int> last_attempt;  // step id -> highest attempt number
  // Woken by an event and running here while its row still says waiting:
  // the next write of its status (RunRepository) writes the resume with it,
  // so a run that ends at once is written once.
  bool resume_unwritten = false;
};

}  // namespace wasl::workflow
