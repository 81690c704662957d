#include "hub/reports/report_actions.hpp"

#include <algorithm>
#include <cmath>

#include "hub/attendance/attendance_store.hpp"
#include "hub/calendar/civil_time.hpp"
#include "hub/calendar/hijri_date.hpp"
#include "hub/calendar/report_period.hpp"
#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/domain/report.hpp"
#include "hub/feedback/feedback_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/reports/report_facility.hpp"
#include "hub/reports/report_step_guard.hpp"
#include "hub/reports/report_store.hpp"
#include "hub/workflow/action_input.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/reporting.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::reports {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using workflow::ActionInput;

namespace {

constexpr const char* kBuildReport = "hub.build_report";
constexpr const char* kNationalIdSystem = "http://nphies.sa/identifier/nationalid";
constexpr const char* kIqamaSystem = "http://nphies.sa/identifier/iqama";

// What the builder needs besides the input.
struct Builder {
  const config::Config& config;
  const records::CellCipher& cipher;
  const audit::AuditWriter& audit;
  const workflow::HubActionContext& ctx;
  const ActionInput& in;
  config::FacilityReportingConfig reporting;
};

json json_or_null(const std::optional<std::string>& text) {
  return text ? json(*text) : json(nullptr);
}

Result<json> facility_part(const Builder& b) {
  return report_facility(b.config, b.ctx.facility_id);
}

// The period part; `end_is_exclusive` shows the last second as the end.
Result<json> period_part(const Builder& b, const std::string& kind, const std::string& label,
                         std::int64_t start_ms, std::int64_t end_ms, bool end_is_exclusive) {
  const std::string& zone = b.reporting.time_zone;
  const std::int64_t shown_end = end_is_exclusive ? std::max(start_ms, end_ms - 1000) : end_ms;
  WASL_ASSIGN_OR_RETURN(std::string start, calendar::iso8601_in_zone(start_ms, zone));
  WASL_ASSIGN_OR_RETURN(std::string end, calendar::iso8601_in_zone(shown_end, zone));
  json out = {{"kind", kind}, {"label", label},       {"start", start},
              {"end", end},   {"start_ms", start_ms}, {"end_ms", end_ms}};
  if (b.reporting.hijri_dates) {
    WASL_ASSIGN_OR_RETURN(auto hijri_start, calendar::umm_al_qura_date(start_ms, zone));
    WASL_ASSIGN_OR_RETURN(auto hijri_end, calendar::umm_al_qura_date(shown_end, zone));
    out["start_hijri"] = calendar::to_string(hijri_start);
    out["end_hijri"] = calendar::to_string(hijri_end);
  }
  return out;
}

// What a consultation's status says of its session: "held" (ended,
// archived, billed, completed), "no_show" (the patient never came),
// "clinician_no_show" (no clinician came), else "not_held" (cancelled,
// failed, or not over yet).
std::string outcome_of(const std::string& status) {
  if (status == "ended" || status == "archived" || status == "billed" || status == "completed") {
    return "held";
  }
  if (status == "no_show" || status == "clinician_no_show") return status;
  return "not_held";
}

// Seconds as minutes with two decimals (attendee-minutes).
double minutes_of(std::int64_t seconds) {
  return std::round(static_cast<double>(seconds) * 100.0 / 60.0) / 100.0;
}

// The patients' feedback answered in the period: how many answered and the
// mean of each rating, two decimals (null when nobody answered). No free
// text: it is PHI and stays in the hub.
json patient_experience_part(const feedback::RatingSummary& s) {
  auto mean = [&s](std::int64_t sum) {
    const std::optional<double> m = feedback::mean_rating(sum, s.responses);
    return m ? json(*m) : json();
  };
  return {{"responses", s.responses},
          {"clinician_rating_mean", mean(s.clinician_rating_sum)},
          {"connection_rating_mean", mean(s.connection_rating_sum)}};
}

// The attendance part of a report: attendee seconds (exact) and minutes.
json attendance_part(std::int64_t attendee_seconds) {
  return {{"attendee_seconds", attendee_seconds},
          {"attendee_minutes", minutes_of(attendee_seconds)}};
}

Result<json> latest_claim(const Builder& b, storage::Transaction& tx,
                          const std::string& facility_id, const std::string& consultation_id) {
  claims::ClaimStore claims(b.cipher, b.audit);
  WASL_ASSIGN_OR_RETURN(auto claim,
                        claims.latest_for_consultation(tx, facility_id, consultation_id));
  if (!claim) return json(nullptr);
  return json{{"state", std::string(domain::to_string(claim->state))},
              {"provider_claim_id",
               claim->provider_claim_id ? json(*claim->provider_claim_id) : json(nullptr)}};
}

// The patient part: national id / iqama from the step's EHR patient, else
// from the consultation's record; the name only when the facility asks.
Result<json> patient_part(const Builder& b, const domain::Consultation& c) {
  json identifiers = json::array();
  json name = nullptr;
  WASL_ASSIGN_OR_RETURN(const json* given, b.in.object("patient"));
  if (given != nullptr) {
    sdk::PatientSummary p;
    try {
      p = given->get<sdk::PatientSummary>();
    } catch (const json::exception&) {
      return b.in.invalid("patient", "is not a PatientSummary (read it with ehr.read_patient)");
    }
    for (const auto& id : p.identifiers) {
      if (id.value.empty()) continue;
      if (id.system == kNationalIdSystem) {
        identifiers.push_back({{"kind", "national_id"}, {"value", id.value}});
      } else if (id.system == kIqamaSystem) {
        identifiers.push_back({{"kind", "iqama"}, {"value", id.value}});
      }
    }
    if (!p.given_name.empty() || !p.family_name.empty()) {
      std::string text = p.given_name;
      if (!p.family_name.empty()) text += (text.empty() ? "" : " ") + p.family_name;
      name = {{"text", text}, {"given", p.given_name}, {"family", p.family_name}};
    }
  }
  if (c.patient.summary) {
    const domain::PatientSummary& s = *c.patient.summary;
    if (identifiers.empty()) {
      for (const auto& id : s.identifiers) {
        if (id.kind == domain::PatientIdentifierKind::kMrn || id.value.empty()) continue;
        identifiers.push_back(
            {{"kind", std::string(domain::to_string(id.kind))}, {"value", id.value}});
      }
    }
    if (name.is_null() && !s.name.empty()) name = {{"text", s.name}};
  }
  if (identifiers.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(kBuildReport) +
                     ": the patient has no national id or iqama (neither the step's patient nor "
                     "the consultation's record); the ministry report identifies patients by them",
                 false);
  }
  json out = {{"identifiers", std::move(identifiers)}};
  if (b.reporting.patient_names && !name.is_null()) out["name"] = std::move(name);
  return out;
}

Result<std::string> practitioner_licence(const Builder& b, const domain::Consultation& c) {
  WASL_ASSIGN_OR_RETURN(const json* given, b.in.object("practitioner"));
  if (given != nullptr) {
    sdk::PractitionerSummary p;
    try {
      p = given->get<sdk::PractitionerSummary>();
    } catch (const json::exception&) {
      return b.in.invalid("practitioner",
                          "is not a PractitionerSummary (read it with ehr.read_practitioner)");
    }
    for (const auto& id : p.identifiers) {
      if (!id.value.empty() && id.system.find("licen") != std::string::npos) return id.value;
    }
  }
  if (c.practitioner.summary && c.practitioner.summary->identifier) {
    return *c.practitioner.summary->identifier;
  }
  return std::string();
}

Result<sdk::Report> consultation_report(const Builder& b, std::int64_t period_start,
                                        std::int64_t period_end) {
  const workflow::HubActionContext& ctx = b.ctx;
  if (ctx.consultation_id.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string(kBuildReport) +
                     " kind \"consultation\" needs a run of a consultation; this run has none",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(std::string encounter_id, b.in.text("encounter_id"));
  WASL_ASSIGN_OR_RETURN(std::string archive_id, b.in.text("archive_id"));
  WASL_ASSIGN_OR_RETURN(auto reported, records::ConsultationStore::reported(
                                           *ctx.tx, ctx.facility_id, ctx.consultation_id));
  if (!reported) {
    return Error(ErrorCode::kNotFound,
                 "consultation " + ctx.consultation_id + " of the run does not exist", false);
  }
  const std::int64_t created_at = reported->created_at;
  const std::int64_t scheduled_at = reported->scheduled_at.value_or(0);
  const std::int64_t ended_at = reported->ended_at.value_or(0);
  const std::int64_t session_start = reported->facts.session_started_at.value_or(0);
  const std::int64_t session_end = reported->facts.session_ended_at.value_or(0);
  records::ConsultationStore consultations(b.cipher);
  WASL_ASSIGN_OR_RETURN(domain::Consultation c,
                        consultations.get(*ctx.tx, ctx.facility_id, ctx.consultation_id));

  sdk::Report report;
  report.kind = "consultation";
  report.facility_id = ctx.facility_id;
  report.period_start_ms = period_start > 0    ? period_start
                           : session_start > 0 ? session_start
                           : scheduled_at > 0  ? scheduled_at
                                               : created_at;
  report.period_end_ms = period_end > 0    ? period_end
                         : session_end > 0 ? session_end
                         : ended_at > 0    ? ended_at
                                           : ctx.now_ms;
  if (report.period_end_ms < report.period_start_ms) {
    report.period_end_ms = report.period_start_ms;
  }
  WASL_ASSIGN_OR_RETURN(auto start_day,
                        calendar::civil_time(report.period_start_ms, b.reporting.time_zone));
  WASL_ASSIGN_OR_RETURN(
      json period, period_part(b, "session", calendar::iso_date(start_day), report.period_start_ms,
                               report.period_end_ms, false));
  WASL_ASSIGN_OR_RETURN(json claim, latest_claim(b, *ctx.tx, ctx.facility_id, ctx.consultation_id));
  WASL_ASSIGN_OR_RETURN(json patient, patient_part(b, c));
  WASL_ASSIGN_OR_RETURN(std::string licence, practitioner_licence(b, c));
  WASL_ASSIGN_OR_RETURN(json facility, facility_part(b));
  attendance::AttendanceStore attendance_store(b.cipher);
  WASL_ASSIGN_OR_RETURN(
      attendance::ConsultationAttendance attended,
      attendance_store.of_consultation(*ctx.tx, ctx.facility_id, ctx.consultation_id));
  const std::string outcome = outcome_of(reported->status);
  json attendance = attendance_part(attended.attendee_seconds);
  attendance["outcome"] = outcome;
  attendance["patient_joined"] = attended.patient_joined;
  attendance["clinician_joined"] = attended.clinician_joined;
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  report.body = {
      {"facility", std::move(facility)},
      {"period", std::move(period)},
      {"consultation",
       {{"id", ctx.consultation_id},
        {"type", reported->type},
        {"status", reported->status},
        {"service_type", json_or_null(reported->facts.service_type)},
        {"specialty", json_or_null(reported->facts.specialty)}}},
      // A consultation that did not take place lasted nothing.
      {"duration_seconds", outcome == "no_show" || outcome == "clinician_no_show"
                               ? 0
                               : (report.period_end_ms - report.period_start_ms) / 1000},
      {"attendance", std::move(attendance)},
      {"encounter_id", or_null(encounter_id)},
      {"archive_id", or_null(archive_id)},
      {"claim", std::move(claim)},
      {"patient", std::move(patient)},
      {"practitioner", {{"licence", or_null(licence)}}},
  };
  return report;
}

Result<sdk::Report> aggregate_report(const Builder& b, std::int64_t period_start,
                                     std::int64_t period_end) {
  const workflow::HubActionContext& ctx = b.ctx;
  WASL_ASSIGN_OR_RETURN(std::string label, b.in.text("period"));
  std::string kind = "custom";
  if (!label.empty()) {
    auto period = calendar::period_from_label(label, b.reporting.time_zone);
    if (!period.ok()) return b.in.invalid("period", "must be a day YYYY-MM-DD or a month YYYY-MM");
    period_start = period->start_ms;
    period_end = period->end_ms;
    kind = std::string(calendar::to_string(period->kind));
  } else {
    if (period_start <= 0 || period_end <= 0) {
      return b.in.invalid(period_start <= 0 ? "period_start_ms" : "period_end_ms",
                          "is required for kind \"aggregate\" without a period (epoch "
                          "milliseconds)");
    }
    if (period_end <= period_start) {
      return b.in.invalid("period_end_ms", "must be after period_start_ms");
    }
    WASL_ASSIGN_OR_RETURN(auto day, calendar::civil_time(period_start, b.reporting.time_zone));
    label = calendar::iso_date(day);
  }
  storage::Transaction& tx = *ctx.tx;
  WASL_ASSIGN_OR_RETURN(
      records::ConsultationPeriodCounts counted,
      records::ConsultationStore::count_in_period(tx, ctx.facility_id, period_start, period_end));
  WASL_ASSIGN_OR_RETURN(
      std::vector<std::string> consultation_ids,
      records::ConsultationStore::ids_in_period(tx, ctx.facility_id, period_start, period_end));
  claims::ClaimStore claims(b.cipher, b.audit);
  WASL_ASSIGN_OR_RETURN(auto claim_states,
                        claims.count_states(tx, ctx.facility_id, consultation_ids));
  const json by_status = counted.by_status;
  const json by_type = counted.by_type;
  const json by_specialty = counted.by_specialty;
  const json by_reason = counted.by_cancel_reason;
  const std::int64_t no_shows = counted.no_shows;
  const std::int64_t clinician_no_shows = counted.clinician_no_shows;
  attendance::AttendanceStore attendance_store(b.cipher);
  WASL_ASSIGN_OR_RETURN(auto usage, attendance_store.usage(tx, ctx.facility_id, period_start,
                                                           period_end, {}, b.reporting.time_zone));
  std::int64_t attendee_seconds = 0;
  for (const auto& row : usage) attendee_seconds += row.attendee_seconds;
  const json claims_by_state = claim_states;
  std::vector<std::int64_t> durations = std::move(counted.session_durations_ms);
  std::sort(durations.begin(), durations.end());
  std::int64_t total = 0;
  std::int64_t completed = 0;
  std::int64_t cancelled = 0;
  for (const auto& [status, n] : by_status.items()) {
    const auto value = n.get<std::int64_t>();
    total += value;
    if (status == "ended" || status == "archived" || status == "billed" || status == "completed") {
      completed += value;
    }
  }
  for (const auto& [reason, n] : by_reason.items()) cancelled += n.get<std::int64_t>();
  json duration = {{"count", static_cast<std::int64_t>(durations.size())},
                   {"median", nullptr},
                   {"p90", nullptr}};
  if (!durations.empty()) {
    duration["median"] = median_of(durations) / 1000.0;
    duration["p90"] = p90_of(durations) / 1000.0;
  }
  WASL_ASSIGN_OR_RETURN(
      feedback::FeedbackSummary answered,
      feedback::FeedbackStore::summary(tx, ctx.facility_id, period_start, period_end));
  WASL_ASSIGN_OR_RETURN(json facility, facility_part(b));
  WASL_ASSIGN_OR_RETURN(json period, period_part(b, kind, label, period_start, period_end, true));
  sdk::Report report;
  report.kind = "aggregate";
  report.facility_id = ctx.facility_id;
  report.period_start_ms = period_start;
  report.period_end_ms = period_end;
  report.body = {
      {"facility", std::move(facility)},
      {"period", std::move(period)},
      {"measures",
       {{"total", total},
        {"completed", completed},
        {"cancelled", {{"total", cancelled}, {"by_reason", by_reason}}},
        {"no_shows", no_shows},
        {"clinician_no_shows", clinician_no_shows},
        {"attendance", attendance_part(attendee_seconds)},
        {"by_specialty", by_specialty},
        {"by_type", by_type},
        {"session_duration_seconds", duration},
        {"patient_experience", patient_experience_part(answered.facility)}}},
      {"consultations", {{"total", total}, {"by_status", by_status}, {"by_type", by_type}}},
      {"claims", {{"by_state", claims_by_state}}},
  };
  return report;
}

Result<json> build_report(const config::Config& config, const records::CellCipher& cipher,
                          const audit::AuditWriter& audit, const workflow::HubActionContext& ctx,
                          const json& input) {
  ActionInput in(kBuildReport, input);
  WASL_RETURN_IF_ERROR(in.require_object());
  if (ctx.tx == nullptr) {
    return Error(ErrorCode::kInternal, std::string(kBuildReport) + " runs in a transaction");
  }
  Builder b{config, cipher, audit, ctx, in, {}};
  if (auto f = config.facilities.find(ctx.facility_id); f != config.facilities.end()) {
    b.reporting = f->second.reporting;
  }
  WASL_ASSIGN_OR_RETURN(std::string kind, in.text("kind", true));
  WASL_ASSIGN_OR_RETURN(std::int64_t period_start, in.non_negative("period_start_ms"));
  WASL_ASSIGN_OR_RETURN(std::int64_t period_end, in.non_negative("period_end_ms"));
  sdk::Report report;
  if (kind == "consultation") {
    WASL_ASSIGN_OR_RETURN(report, consultation_report(b, period_start, period_end));
  } else if (kind == "aggregate") {
    WASL_ASSIGN_OR_RETURN(report, aggregate_report(b, period_start, period_end));
  } else {
    return in.invalid("kind", "must be \"consultation\" or \"aggregate\"");
  }
  // The report's row id follows the building step, like a claim's.
  const std::string id = claims::claim_id_for_step(ctx.idempotency_key);
  WASL_ASSIGN_OR_RETURN(std::string generated_at,
                        calendar::iso8601_in_zone(ctx.now_ms, b.reporting.time_zone));
  report.body["report_id"] = id;
  report.body["generated_at"] = generated_at;
  report.idempotency_key = ctx.idempotency_key;
  json output = report;
  NewReport row;
  row.id = id;
  row.facility_id = ctx.facility_id;
  if (kind == "consultation") row.consultation_id = ctx.consultation_id;
  row.kind = kind;
  row.payload = output.dump(-1, ' ', false, json::error_handler_t::replace);
  row.period_start_ms = report.period_start_ms;
  row.period_end_ms = report.period_end_ms;
  row.run_id = ctx.run_id;
  row.created_at = ctx.now_ms;
  ReportStore reports(cipher, audit);
  auto created = reports.create(*ctx.tx, row);
  if (!created.ok()) return std::move(created).error();
  return output;
}

sdk::Status record_submission(const records::CellCipher& cipher, const audit::AuditWriter& audit,
                              const workflow::HubActionContext& ctx, const json& input,
                              const Result<json>& result) {
  if (!input.is_object()) return {};
  auto body = input.find("body");
  if (body == input.end() || !body->is_object()) return {};
  auto id = body->find("report_id");
  if (id == body->end() || !id->is_string()) return {};
  ReportSubmission s;
  s.at_ms = ctx.now_ms;
  if (result.ok()) {
    const std::string status = sdk::string_member(*result, "status");
    s.state = status == "queued"     ? domain::ReportState::kSubmitted
              : status == "rejected" ? domain::ReportState::kRejected
                                     : domain::ReportState::kAccepted;
    s.receipt = result->dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    const Error& e = result.error();
    s.state = domain::ReportState::kError;
    s.receipt = json{{"error",
                      {{"code", std::string(sdk::to_string(e.code))},
                       {"message", e.message},
                       {"retryable", e.retryable}}}}
                    .dump(-1, ' ', false, json::error_handler_t::replace);
  }
  ReportStore reports(cipher, audit);
  sdk::Status recorded =
      reports.record_submission(*ctx.tx, ctx.facility_id, id->get<std::string>(), s, ctx.run_id);
  if (!recorded.ok() && recorded.error().code == ErrorCode::kNotFound) return {};
  return recorded;
}

}  // namespace

double median_of(const std::vector<std::int64_t>& sorted) {
  const std::size_t n = sorted.size();
  if (n % 2 == 1) return static_cast<double>(sorted[n / 2]);
  return (static_cast<double>(sorted[n / 2 - 1]) + static_cast<double>(sorted[n / 2])) / 2.0;
}

double p90_of(const std::vector<std::int64_t>& sorted) {
  const std::size_t n = sorted.size();
  std::size_t rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n);
  return static_cast<double>(sorted[rank - 1]);
}

sdk::Status add_report_actions(workflow::HubActions& actions, const config::Config& config,
                               const records::CellCipher& cipher, const audit::AuditWriter& audit) {
  WASL_RETURN_IF_ERROR(actions.add(
      kBuildReport, workflow::HubActionMode::kInTransaction,
      [&config, &cipher, &audit](const workflow::HubActionContext& ctx, const json& input) {
        return build_report(config, cipher, audit, ctx, input);
      }));
  WASL_RETURN_IF_ERROR(add_report_step_guard(actions, config, cipher, audit));
  return actions.observe(std::string(sdk::ReportSink::kSubmitReport),
                         [&cipher, &audit](const workflow::HubActionContext& ctx, const json& input,
                                           const Result<json>& result) {
                           return record_submission(cipher, audit, ctx, input, result);
                         });
}

}  // namespace wasl::reports
