// The consultation keeps its EHR appointment's start. The observer of
// ehr.read_appointment: when a run reads the appointment its consultation
// names and the EHR's start differs from the consultation's, the
// consultation takes the EHR's start, in the transaction that records the
// step's result, audited as consultation.reschedule by "workflow:<run id>".
// Only a consultation still scheduled moves (once its room is open or it
// ended, the time it happened is what it keeps); a read of another
// appointment, a failed read or an appointment without a start changes
// nothing.
//
// The move is also the consultation's notices' (hub/notifications/
// consultation_notices.hpp): scheduled reminders follow the new start and a
// patient already told of the consultation is sent a reschedule notice, in
// the same transaction.
//
// So the consultation's start, which the just-in-time room step reads
// (workflows/consultation.yaml, `${consultation.scheduled_at_ms}`), is the
// EHR's from the first read on, and follows every later move the EHR
// bookings record (ehr_bookings.hpp). Thread-safe: stateless.
#pragma once

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::consultations {

// The StepObserver body; `audit` may be null (tests only), `config` null
// when no facility sends notifications.
sdk::Status follow_appointment_start(const audit::AuditWriter* audit,
                                     const workflow::HubActionContext& ctx,
                                     const nlohmann::json& input,
                                     const sdk::Result<nlohmann::json>& result,
                                     const config::Config* config = nullptr);

}  // namespace wasl::consultations
