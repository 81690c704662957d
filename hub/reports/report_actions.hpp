// Report actions: hub.build_report (kInTransaction; inputs in
// hub/workflow/capabilities.cpp) and the record of what
// reporting.submit_report answered.
//
// hub.build_report builds the report from the hub's store (never from a
// plugin's state) and stores it (reports row, state pending, payload
// encrypted, audited report.create) in the transaction that records the
// step; its id is derived from the step's idempotency key, so a re-run
// finds the same row. Its output is an sdk Report, the exact input
// reporting.submit_report takes (`with: ${steps.<report step>.output}`);
// the engine sets idempotency_key at submission, which the receiver sees as
// the report id. The body (plugins/moh/README.md reads it) always holds:
//
//   report_id     the reports row id
//   generated_at  ISO 8601 in the facility's time zone, with its offset
//   facility      {id, name, licence, language, time_zone} from
//                 facilities.<id>.name and .reporting
//   period        {kind, label, start, end, start_ms, end_ms[, start_hijri,
//                 end_hijri]}: start/end ISO 8601 with the facility's offset
//                 (end = the last second of a day/month/custom period, the
//                 end instant of a session); start_ms inclusive, end_ms
//                 exclusive; Umm al-Qura dates (ICU) when reporting.hijri_dates
//
// kind "consultation" (a run of a consultation; kFailedPrecondition
// otherwise) adds consultation {id, type, status, service_type, specialty},
// duration_seconds (0 for a no-show of either kind: no session took place),
// attendance {outcome ("held": status ended, archived,
// billed or completed; "no_show"; "clinician_no_show"; else "not_held"),
// attendee_seconds (the sum of every participant's periods,
// attendance::AttendanceStore), attendee_minutes (the same / 60, two
// decimals), patient_joined, clinician_joined}, encounter_id (null for a
// no-show), archive_id, claim ({state,
// provider_claim_id} of its latest claim, or null), patient {identifiers:
// [{kind: national_id|iqama, value}] and, only when reporting.patient_names,
// name {text, given, family}} and practitioner {licence}. The patient's
// identifiers and name come from the step's `patient` (an EHR
// PatientSummary; NPHIES national id / iqama systems) or else from the
// consultation's record; a patient with neither identifier is
// kFailedPrecondition (the ministry identifies patients by them). The
// licence comes from the step's `practitioner` (an identifier whose system
// names a licence) or the consultation's record. The period is
// period_start_ms/period_end_ms when given, else the session's start and
// end (hub.describe_consultation), else the scheduled (or created) time and
// the end (or now); period.kind is "session".
//
// kind "aggregate" counts the facility's consultations scheduled (or, when
// unscheduled, created) in the period: `period` "YYYY-MM-DD" (a day) or
// "YYYY-MM" (a month) in the facility's time zone, or period_start_ms /
// period_end_ms (kind "custom"). It adds measures {total, completed
// (status ended, archived, billed or completed: the sessions held),
// cancelled {total, by_reason} (status cancelled, reason not no_show; no
// reason = "unspecified"), no_shows (status no_show, or cancelled with
// reason no_show), clinician_no_shows (status clinician_no_show),
// attendance {attendee_seconds, attendee_minutes} (the facility's
// attendance periods that started in the period, summed exactly as
// AttendanceStore::usage sums them), by_specialty
// ("unspecified" when unknown), by_type, session_duration_seconds {count,
// median, p90}} — median the mean of the middle two for an even count,
// p90 the nearest-rank value (the ceil(0.9·n)-th smallest); null when no
// session was timed — and, as before, consultations {total, by_status,
// by_type} and claims {by_state}.
//
// Other kinds, a malformed input or an empty period: kInvalidArgument (not
// retried).
//
// The submission: a step observer on reporting.submit_report records the
// settled result in the report named by the input's body.report_id, in the
// transaction that records the step: the receipt (JSON) with state
// accepted (receipt status accepted), submitted (queued) or rejected; a
// failure after the last retry sets state error with the error as receipt.
#pragma once

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::reports {

// The median and nearest-rank 90th percentile of `sorted` (ascending, not
// empty), as hub.build_report computes them.
double median_of(const std::vector<std::int64_t>& sorted);
double p90_of(const std::vector<std::int64_t>& sorted);

// The reports feature's registration (app/ makes it at start-up):
// registers hub.build_report and the reporting.submit_report observer.
// `config`, `cipher` and `audit` must outlive `actions`. kAlreadyExists when
// either is registered already.
sdk::Status add_report_actions(workflow::HubActions& actions, const config::Config& config,
                               const records::CellCipher& cipher, const audit::AuditWriter& audit);

}  // namespace wasl::reports
