// The reporting step guard (HubActions::guard on reporting.submit_report):
// a report goes to the ministry in the name of the run's facility only. The
// host fills the report's facility_id and its body's facility part
// (report_facility.hpp: id, name, licence from facilities.<id>, with the
// language, time zone and retention the plugin needs); a step naming
// another facility id, name or licence is refused, and so is a body whose
// report_id is not a report of the run's facility (built by
// hub.build_report, ReportStore). A refusal fails the step
// (kPermissionDenied, not retryable) and is audited as access.denied
// (workflow/step_refusal.hpp).
//
// Thread-safe: the config, cipher and audit writer are borrowed and must
// outlive the registered guard.
#pragma once

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::reports {

sdk::Status add_report_step_guard(workflow::HubActions& actions, const config::Config& config,
                                  const records::CellCipher& cipher,
                                  const audit::AuditWriter& audit);

}  // namespace wasl::reports
