#include "hub/workflow/run_control.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "hub/jobs/job_queue.hpp"
#include "hub/storage/row_id.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/run_state.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Transaction;
using namespace run_status;

RunControl::RunControl(storage::Store& store, DefinitionStore& definitions,
                       std::shared_ptr<CapabilityInvoker> invoker, RunRepository& runs,
                       Transitions& transitions, const EngineOptions& options)
    : store_(store),
      definitions_(definitions),
      invoker_(std::move(invoker)),
      runs_(runs),
      transitions_(transitions),
      options_(options) {}

Result<std::string> RunControl::start_run(Transaction& tx, const StartRunRequest& request) {
  std::int64_t now = engine_now_ms(options_);
  // Only a version the facility uses: its own or the platform's.
  WASL_ASSIGN_OR_RETURN(
      int version,
      DefinitionStore::resolve_version(tx, request.workflow, request.facility_id, request.version));
  RunState run;
  WASL_ASSIGN_OR_RETURN(run.id, storage::new_row_id());
  run.facility_id = request.facility_id;
  run.consultation_id = request.consultation_id;
  run.workflow = request.workflow;
  run.version = version;
  run.status = kRunning;
  run.bindings = invoker_->bindings(run.facility_id);
  WASL_ASSIGN_OR_RETURN(run.definition, definitions_.get(request.workflow, version, &tx));
  json trigger = request.trigger.is_null() ? json::object() : request.trigger;
  WASL_ASSIGN_OR_RETURN(auto trigger_enc,
                        runs_.encode(trigger, "workflow_runs", run.id, "trigger_enc"));
  auto inserted = runs_.insert(tx, run, trigger_enc, now);
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::kFailedPrecondition) {
      return Error(ErrorCode::kFailedPrecondition,
                   "cannot start workflow '" + run.workflow + "': facility '" + run.facility_id +
                       "' or the consultation does not exist",
                   false);
    }
    return std::move(inserted).error();
  }
  run.data = {{"trigger", trigger}, {"steps", json::object()}};
  WASL_ASSIGN_OR_RETURN(run.data["consultation"], runs_.load_consultation(tx, run));
  WASL_RETURN_IF_ERROR(transitions_.advance(tx, run, nullptr, 0, now));
  return run.id;
}

Status RunControl::cancel(const std::string& run_id) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
  WASL_RETURN_IF_ERROR(cancel_in(*tx, run_id));
  return tx->commit();
}

Status RunControl::cancel_in(Transaction& tx, const std::string& run_id) {
  std::int64_t now = engine_now_ms(options_);
  WASL_ASSIGN_OR_RETURN(auto locked, runs_.lock_status(tx, run_id));
  if (!locked) {
    return Error(ErrorCode::kNotFound, "workflow run " + run_id + " does not exist", false);
  }
  const std::string& status = locked->status;
  if (status == kCancelling) return {};
  if (status != kRunning && status != kWaiting) {
    return Error(ErrorCode::kFailedPrecondition,
                 "workflow run " + run_id + " is " + status + " and cannot be cancelled", false);
  }
  WASL_RETURN_IF_ERROR(runs_.set_cancelling(tx, locked->facility_id, run_id, now));
  return jobs::JobQueue::wake(tx, run_id, now);
}

Status RunControl::retry(const std::string& run_id) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
  WASL_RETURN_IF_ERROR(retry_in(*tx, run_id));
  return tx->commit();
}

Status RunControl::retry_in(Transaction& tx, const std::string& run_id) {
  std::int64_t now = engine_now_ms(options_);
  WASL_ASSIGN_OR_RETURN(auto run, runs_.load(tx, run_id, true));
  WASL_ASSIGN_OR_RETURN(std::string failed_step, runs_.failed_step(tx, run));
  if (run.status != kFailed || failed_step.empty() ||
      run.definition->find_step(failed_step) == nullptr) {
    return Error(ErrorCode::kFailedPrecondition,
                 "workflow run " + run_id + " is " + run.status +
                     (run.status == kFailed ? " before any step ran" : "") +
                     "; only a run that failed at a step can be retried",
                 false);
  }
  WASL_RETURN_IF_ERROR(runs_.set_retrying(tx, run, now));
  WASL_RETURN_IF_ERROR(jobs::JobQueue::remove_all(tx, run_id));
  run.status = kRunning;
  run.data["steps"].erase(failed_step);
  return transitions_.advance(tx, run, nullptr, Transitions::index_of(run, failed_step), now);
}

}  // namespace wasl::workflow
