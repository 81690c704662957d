#include "hub/workflow/call_preparation.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "hub/workflow/idempotency_key.hpp"
#include "hub/workflow/language/capabilities.hpp"
#include "hub/workflow/language/value_template.hpp"
#include "hub/workflow/resource_guard.hpp"
#include "hub/workflow/run_state.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Status;
using storage::Transaction;
using namespace run_status;

Status prepare_call(Transaction& tx, RunRepository& runs, const EngineOptions& options,
                    PreparedJob& p, std::int64_t now) {
  std::string step_id = p.job.payload.value("step", std::string());
  p.compensation = p.job.payload.value("compensation", false);
  p.step = p.compensation ? p.run.definition->find_compensation(step_id)
                          : p.run.definition->find_step(step_id);
  if (p.step == nullptr) {
    p.render_error = Error(ErrorCode::kInternal,
                           "step '" + step_id + "' is not in workflow " + p.run.workflow +
                               " version " + std::to_string(p.run.version),
                           false);
    return {};
  }
  if (p.run.status == kCancelling && !p.compensation) {
    p.cancel = true;
    return {};
  }
  p.key = step_idempotency_key(p.run.id, p.step->id);
  WASL_ASSIGN_OR_RETURN(auto row,
                        runs.insert_attempt(tx, p.run, p.step->id, kRunning, p.key, now, false));
  p.attempt_row = row.id;
  p.attempt = row.attempt;
  p.started_at = now;
  p.timeout = p.step->timeout.value_or(options.default_call_timeout);
  EvaluationContext context{p.run.data, options.env};
  auto input = render_value(p.step->with, context, "with");
  if (!input.ok()) {
    p.render_error = Error(ErrorCode::kInvalidArgument, input.error().message, false);
    return {};
  }
  p.input = input->is_null() ? json::object() : std::move(input).value();
  if (p.input.is_object()) p.input["idempotency_key"] = p.key;
  if (const Capability* capability = find_capability(p.step->call); capability != nullptr) {
    WASL_ASSIGN_OR_RETURN(auto denied,
                          check_resources(tx, p.run.facility_id, *capability, p.input));
    if (denied) {
      p.render_error = denied->error(p.step->call);
      p.denied = std::move(denied);
    }
  }
  return {};
}

}  // namespace wasl::workflow
