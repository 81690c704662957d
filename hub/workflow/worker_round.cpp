#include "hub/workflow/worker_round.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <utility>

#include "hub/jobs/job_queue.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::Result;

namespace {

std::string describe_round_error(const Error& error) {
  return std::string(sdk::to_string(error.code)) + ": " + error.message;
}

}  // namespace

WorkerRound::WorkerRound(JobClaimer& claimer, StepCaller& caller, StepFinisher& finisher)
    : claimer_(claimer), caller_(caller), finisher_(finisher) {}

Result<int> WorkerRound::work_once(int worker, const std::atomic<bool>& stopping) {
  WASL_ASSIGN_OR_RETURN(auto prepared, claimer_.claim(worker));
  for (auto& claimed : prepared) {
    if (claimed.stale) continue;
    std::optional<PreparedJob> current = std::move(claimed);
    while (current) {
      PreparedJob& p = *current;
      if (stopping.load()) {
        claimer_.release(p);
        break;
      }
      if (!claimer_.keep_lease(p)) break;
      CallOutcome outcome;
      if (p.job.kind == jobs::kCallJob && !p.cancel && p.step != nullptr) {
        outcome = caller_.call(p, stopping);
        if (outcome.abandoned) break;
        if (outcome.busy) {
          claimer_.defer(p, outcome.busy_instance, outcome.busy_wait);
          break;
        }
      }
      std::optional<PreparedJob> next;
      auto finished = finisher_.finish(p, std::move(outcome), &next);
      if (!finished.ok()) {
        spdlog::warn(
            "workflow run {}: recording a step result failed ({}); the job is "
            "retried after its lease",
            p.run.id, describe_round_error(finished.error()));
      }
      current = std::move(next);
    }
  }
  return static_cast<int>(prepared.size());
}

}  // namespace wasl::workflow
