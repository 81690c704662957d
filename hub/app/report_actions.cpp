#include "hub/app/report_actions.hpp"

#include "hub/app/action_input.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::app {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using storage::Params;

namespace {

constexpr const char* kBuildReport = "hub.build_report";

nlohmann::json text_or_null(const storage::Row& row, const char* column) {
  if (row.is_null(column)) return nullptr;
  auto v = row.get_text(column);
  return v.ok() ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

Result<std::int64_t> int_or(const storage::Row& row, const char* column, std::int64_t fallback) {
  if (row.is_null(column)) return fallback;
  return row.get_int(column);
}

Result<nlohmann::json> latest_claim(storage::Transaction& tx, const std::string& facility_id,
                                    const std::string& consultation_id) {
  WASL_ASSIGN_OR_RETURN(
      auto rows, tx.query("SELECT state, provider_claim_id FROM claims WHERE facility_id = $1 AND "
                          "consultation_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
                          Params{facility_id, consultation_id}));
  if (rows.empty()) return nlohmann::json(nullptr);
  return nlohmann::json{{"state", text_or_null(rows[0], "state")},
                        {"provider_claim_id", text_or_null(rows[0], "provider_claim_id")}};
}

Result<sdk::Report> consultation_report(const workflow::HubActionContext& ctx,
                                        const ActionInput& in, std::int64_t period_start,
                                        std::int64_t period_end) {
  if (ctx.consultation_id.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(kBuildReport) +
                     " kind \"consultation\" needs a run of a consultation; this run has none",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(std::string encounter_id, in.text("encounter_id"));
  WASL_ASSIGN_OR_RETURN(std::string archive_id, in.text("archive_id"));
  WASL_ASSIGN_OR_RETURN(
      auto rows,
      ctx.tx->query("SELECT id, status, consultation_type, scheduled_at, created_at, ended_at "
                    "FROM consultations WHERE facility_id = $1 AND id = $2",
                    Params{ctx.facility_id, ctx.consultation_id}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound,
                 "consultation " + ctx.consultation_id + " of the run does not exist", false);
  }
  const storage::Row& row = rows[0];
  WASL_ASSIGN_OR_RETURN(std::int64_t created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(std::int64_t scheduled_at, int_or(row, "scheduled_at", 0));
  WASL_ASSIGN_OR_RETURN(std::int64_t ended_at, int_or(row, "ended_at", 0));
  sdk::Report report;
  report.kind = "consultation";
  report.facility_id = ctx.facility_id;
  report.period_start_ms =
      period_start > 0 ? period_start : (scheduled_at > 0 ? scheduled_at : created_at);
  report.period_end_ms = period_end > 0 ? period_end : (ended_at > 0 ? ended_at : ctx.now_ms);
  if (report.period_end_ms < report.period_start_ms) {
    report.period_end_ms = report.period_start_ms;
  }
  WASL_ASSIGN_OR_RETURN(nlohmann::json claim,
                        latest_claim(*ctx.tx, ctx.facility_id, ctx.consultation_id));
  report.body = {
      {"consultation_id", ctx.consultation_id},
      {"consultation_type", text_or_null(row, "consultation_type")},
      {"status", text_or_null(row, "status")},
      {"facility_id", ctx.facility_id},
      {"encounter_id", encounter_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(encounter_id)},
      {"archive_id", archive_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(archive_id)},
      {"scheduled_at_ms", scheduled_at > 0 ? nlohmann::json(scheduled_at) : nlohmann::json(nullptr)},
      {"start_ms", report.period_start_ms},
      {"end_ms", report.period_end_ms},
      {"duration_seconds", (report.period_end_ms - report.period_start_ms) / 1000},
      {"claim", std::move(claim)},
  };
  return report;
}

// Counts of `column` over `sql`'s rows: {value: count}.
Result<nlohmann::json> counts(storage::Transaction& tx, const std::string& sql,
                              const Params& params) {
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, params));
  nlohmann::json out = nlohmann::json::object();
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string name, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(std::int64_t n, row.get_int(1));
    out[name] = n;
  }
  return out;
}

Result<sdk::Report> aggregate_report(const workflow::HubActionContext& ctx, const ActionInput& in,
                                     std::int64_t period_start, std::int64_t period_end) {
  if (period_start <= 0 || period_end <= 0) {
    return in.invalid(period_start <= 0 ? "period_start_ms" : "period_end_ms",
                      "is required for kind \"aggregate\" (epoch milliseconds)");
  }
  if (period_end <= period_start) {
    return in.invalid("period_end_ms", "must be after period_start_ms");
  }
  const Params period{ctx.facility_id, period_start, period_end};
  const std::string in_period =
      "WHERE facility_id = $1 AND COALESCE(scheduled_at, created_at) >= $2 AND "
      "COALESCE(scheduled_at, created_at) < $3 ";
  WASL_ASSIGN_OR_RETURN(
      nlohmann::json by_status,
      counts(*ctx.tx, "SELECT status, COUNT(*) FROM consultations " + in_period + "GROUP BY status",
             period));
  WASL_ASSIGN_OR_RETURN(nlohmann::json by_type,
                        counts(*ctx.tx,
                               "SELECT consultation_type, COUNT(*) FROM consultations " +
                                   in_period + "GROUP BY consultation_type",
                               period));
  WASL_ASSIGN_OR_RETURN(
      nlohmann::json claims_by_state,
      counts(*ctx.tx,
             "SELECT state, COUNT(*) FROM claims WHERE facility_id = $1 AND consultation_id IN "
             "(SELECT id FROM consultations " + in_period + ") GROUP BY state",
             period));
  std::int64_t total = 0;
  for (const auto& [status, n] : by_status.items()) total += n.get<std::int64_t>();
  sdk::Report report;
  report.kind = "aggregate";
  report.facility_id = ctx.facility_id;
  report.period_start_ms = period_start;
  report.period_end_ms = period_end;
  report.body = {
      {"facility_id", ctx.facility_id},
      {"period_start_ms", period_start},
      {"period_end_ms", period_end},
      {"consultations", {{"total", total}, {"by_status", by_status}, {"by_type", by_type}}},
      {"claims", {{"by_state", claims_by_state}}},
  };
  return report;
}

}  // namespace

Result<nlohmann::json> build_report(const workflow::HubActionContext& ctx,
                                    const nlohmann::json& input) {
  ActionInput in(kBuildReport, input);
  WASL_RETURN_IF_ERROR(in.require_object());
  if (ctx.tx == nullptr) {
    return Error(ErrorCode::kInternal, std::string(kBuildReport) + " runs in a transaction");
  }
  WASL_ASSIGN_OR_RETURN(std::string kind, in.text("kind", true));
  WASL_ASSIGN_OR_RETURN(std::int64_t period_start, in.non_negative("period_start_ms"));
  WASL_ASSIGN_OR_RETURN(std::int64_t period_end, in.non_negative("period_end_ms"));
  sdk::Report report;
  if (kind == "consultation") {
    WASL_ASSIGN_OR_RETURN(report, consultation_report(ctx, in, period_start, period_end));
  } else if (kind == "aggregate") {
    WASL_ASSIGN_OR_RETURN(report, aggregate_report(ctx, in, period_start, period_end));
  } else {
    return in.invalid("kind", "must be \"consultation\" or \"aggregate\"");
  }
  report.idempotency_key = ctx.idempotency_key;
  return nlohmann::json(report);
}

void add_report_actions(workflow::HubActions& actions) {
  actions.add(kBuildReport, workflow::HubActionMode::kInTransaction, build_report);
}

}  // namespace wasl::app
