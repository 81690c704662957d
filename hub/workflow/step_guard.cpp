#include "hub/workflow/step_guard.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Result<nlohmann::json> guard_step_input(storage::Store& store, const HubActions& actions,
                                        HubActionContext ctx, const std::string& method,
                                        const nlohmann::json& input) {
  const StepGuard* guard = actions.step_guard(method);
  if (guard == nullptr) return input;
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin());
  ctx.tx = tx.get();
  Result<nlohmann::json> admitted =
      Error(ErrorCode::kInternal, "the step guard of " + method + " threw an exception", false);
  try {
    admitted = (*guard)(ctx, input);
  } catch (...) {
  }
  // A refusal commits too: its audit event is in this transaction. A
  // storage error inside the guard leaves nothing worth keeping.
  if (!admitted.ok() && admitted.error().code != ErrorCode::kPermissionDenied) {
    tx->rollback();
    return admitted;
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return admitted;
}

}  // namespace wasl::workflow
