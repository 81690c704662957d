// refuse_step: how a step guard (HubActions::guard) refuses a step that
// names a provider resource or an identity not its run's facility's: the
// event access.denied (outcome denied, actor system, the run's facility,
// the resource as entity) is appended in ctx.tx, and the answer is the
// error the step fails with, kPermissionDenied and not retryable. `why`
// names what was refused (a member, never its value when it may be PHI).
// Storage errors from the audit writer are returned instead.
#pragma once

#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

sdk::Error refuse_step(const audit::AuditWriter& audit, const HubActionContext& ctx,
                       const std::string& method, const std::string& entity_type,
                       const std::string& entity_id, const std::string& why);

}  // namespace wasl::workflow
