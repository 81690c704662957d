#include "hub/reports/report_store.hpp"

#include <nlohmann/json.hpp>

#include "hub/records/consultation_store.hpp"
#include "hub/records/row_fields.hpp"

namespace wasl::reports {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace records::row_fields;

namespace {

constexpr std::string_view kTable = "reports";
constexpr std::string_view kPayloadColumn = "payload_enc";

}  // namespace

Status ReportStore::audit(storage::Transaction& tx, std::string_view facility_id,
                          std::string_view id, std::string_view action, std::string_view state,
                          std::string_view run_id, std::int64_t at_ms) const {
  audit::AuditEvent event;
  event.occurred_at = at_ms;
  event.actor = "system";
  event.facility_id = std::string(facility_id);
  event.action = std::string(action);
  event.entity_type = "report";
  event.entity_id = std::string(id);
  event.outcome = std::string(audit::kOutcomeSuccess);
  nlohmann::json detail = {{"state", std::string(state)}};
  if (!run_id.empty()) detail["run_id"] = std::string(run_id);
  event.detail = detail.dump();
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  return {};
}

Result<bool> ReportStore::create(storage::Transaction& tx, const NewReport& r) const {
  if (r.id.empty() || r.facility_id.empty() || r.kind.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a report needs an id, a facility id and a kind");
  }
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT facility_id FROM reports WHERE id = $1", {r.id}));
  if (!existing.empty()) {
    WASL_ASSIGN_OR_RETURN(std::string owner, existing.front().get_text(0));
    if (owner != r.facility_id) return not_found("report", r.id);
    return false;
  }
  if (r.consultation_id) {
    WASL_ASSIGN_OR_RETURN(
        bool owned, records::ConsultationStore::exists(tx, r.facility_id, *r.consultation_id));
    if (!owned) return not_found("consultation", *r.consultation_id);
  }
  WASL_ASSIGN_OR_RETURN(std::string payload,
                        cipher_.encrypt(kTable, kPayloadColumn, r.id, r.payload));
  const std::string state(domain::to_string(domain::ReportState::kPending));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO reports (id, consultation_id, facility_id, kind, state, receipt, payload_enc, "
      "created_at, submitted_at, period_start, period_end, run_id) "
      "VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, NULL, $8, $9, $10)",
      {r.id, text_or_null(r.consultation_id), r.facility_id, r.kind, state,
       storage::Blob{std::move(payload)}, r.created_at, r.period_start_ms, r.period_end_ms,
       r.run_id.empty() ? storage::null_value() : storage::Value(r.run_id)}));
  WASL_RETURN_IF_ERROR(
      audit(tx, r.facility_id, r.id, "report.create", state, r.run_id, r.created_at));
  return true;
}

Status ReportStore::record_submission(storage::Transaction& tx, std::string_view facility_id,
                                      std::string_view id, const ReportSubmission& submission,
                                      std::string_view run_id) const {
  const std::string state(domain::to_string(submission.state));
  const bool delivered = submission.state == domain::ReportState::kAccepted ||
                         submission.state == domain::ReportState::kSubmitted;
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec(
          "UPDATE reports SET state = $1, receipt = $2, "
          "submitted_at = CASE WHEN $3 = 1 THEN COALESCE(submitted_at, $4) ELSE submitted_at END "
          "WHERE facility_id = $5 AND id = $6",
          {state, submission.receipt, std::int64_t{delivered ? 1 : 0}, submission.at_ms,
           std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found("report", id);
  return audit(tx, facility_id, id, "report.submit_result", state, run_id, submission.at_ms);
}

Result<domain::Report> ReportStore::get(storage::Transaction& tx, std::string_view facility_id,
                                        std::string_view id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, consultation_id, facility_id, kind, state, receipt, payload_enc, "
               "created_at, submitted_at FROM reports WHERE facility_id = $1 AND id = $2",
               {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found("report", id);
  const storage::Row& row = rows.front();
  domain::Report r;
  WASL_ASSIGN_OR_RETURN(r.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(r.consultation_id, optional_text(row, "consultation_id"));
  WASL_ASSIGN_OR_RETURN(r.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(r.kind, row.get_text("kind"));
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed = domain::parse_report_state(state);
  if (!parsed) return Error(ErrorCode::kInternal, "report " + r.id + " has an unknown state");
  r.state = *parsed;
  WASL_ASSIGN_OR_RETURN(r.receipt, optional_text(row, "receipt"));
  if (!row.is_null("payload_enc")) {
    WASL_ASSIGN_OR_RETURN(std::string enc, row.get_blob("payload_enc"));
    WASL_ASSIGN_OR_RETURN(std::string payload, cipher_.decrypt(kTable, kPayloadColumn, r.id, enc));
    r.payload = std::move(payload);
  }
  WASL_ASSIGN_OR_RETURN(r.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(r.submitted_at, optional_int(row, "submitted_at"));
  return r;
}

}  // namespace wasl::reports
