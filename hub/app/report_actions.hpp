// Report actions: hub.build_report (kInTransaction; inputs in
// hub/workflow/capabilities.hpp). Its output is an sdk Report, the exact
// input reporting.submit_report takes (a workflow passes `with:
// ${steps.<report step>.output}`); the engine sets its idempotency_key at
// submission. It reads the database only and stores nothing.
//
// kind "consultation": what the Ministry needs about the run's
// consultation, and no PHI (no patient or practitioner identity): body
// {consultation_id, consultation_type, status, facility_id, encounter_id,
// archive_id, scheduled_at_ms, start_ms, end_ms, duration_seconds, claim}
// where claim is {state, provider_claim_id} of the consultation's latest
// claim, or null when it has none. The period is period_start_ms /
// period_end_ms when given, else the consultation's scheduled (or created)
// time and its end (or now). A run without a consultation cannot build it
// (kFailedPrecondition).
//
// kind "aggregate": counts over the run's facility for the period
// [period_start_ms, period_end_ms), both required: body {facility_id,
// period_start_ms, period_end_ms, consultations: {total, by_status,
// by_type}, claims: {by_state}}, consultations counted by their scheduled
// (or created) time, claims by their consultation's. It does not need a
// consultation, so a scheduled reporting run builds it as well.
//
// Other kinds, a malformed input or an empty period: kInvalidArgument
// (not retried).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::app {

// The Report for `input` as the run described by `ctx` sees it (ctx.tx set).
sdk::Result<nlohmann::json> build_report(const workflow::HubActionContext& ctx,
                                         const nlohmann::json& input);

// Registers hub.build_report.
void add_report_actions(workflow::HubActions& actions);

}  // namespace wasl::app
