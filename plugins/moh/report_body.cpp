#include "plugins/moh/report_body.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

Error invalid(const std::string& member, const std::string& problem) {
  return Error(ErrorCode::kInvalidArgument, "MOH report body: '" + member + "' " + problem, false);
}

Result<const json*> object_at(const json& parent, const std::string& path, const char* member,
                              bool required = true) {
  auto it = parent.find(member);
  if (it == parent.end() || it->is_null()) {
    if (!required) return static_cast<const json*>(nullptr);
    return invalid(path + member, "is required");
  }
  if (!it->is_object()) return invalid(path + member, "must be an object");
  return &*it;
}

Result<std::string> text_at(const json& parent, const std::string& path, const char* member,
                            bool required = false) {
  auto it = parent.find(member);
  if (it == parent.end() || it->is_null()) {
    if (required) return invalid(path + member, "is required");
    return std::string();
  }
  if (!it->is_string()) return invalid(path + member, "must be a string");
  if (required && it->get_ref<const std::string&>().empty()) {
    return invalid(path + member, "must not be empty");
  }
  return it->get<std::string>();
}

Result<std::int64_t> count_at(const json& parent, const std::string& path, const char* member) {
  auto it = parent.find(member);
  if (it == parent.end() || it->is_null()) return std::int64_t{0};
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
    return invalid(path + member, "must be a whole number of at least 0");
  }
  return it->get<std::int64_t>();
}

Result<std::optional<double>> number_at(const json& parent, const std::string& path,
                                        const char* member) {
  auto it = parent.find(member);
  if (it == parent.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number() || it->get<double>() < 0) {
    return invalid(path + member, "must be a number of at least 0");
  }
  return std::optional<double>(it->get<double>());
}

// {code: count, …} in code order.
Result<std::vector<CodeCount>> counts_at(const json& parent, const std::string& path,
                                         const char* member) {
  std::vector<CodeCount> out;
  WASL_ASSIGN_OR_RETURN(const json* counts, object_at(parent, path, member, false));
  if (counts == nullptr) return out;
  for (const auto& [code, n] : counts->items()) {
    if (code.empty() || !n.is_number_integer() || n.get<std::int64_t>() < 0) {
      return invalid(path + member, "must map non-empty codes to whole numbers of at least 0");
    }
    out.push_back({code, n.get<std::int64_t>()});
  }
  return out;
}

Result<FacilityPart> read_facility(const json& body) {
  WASL_ASSIGN_OR_RETURN(const json* f, object_at(body, "", "facility"));
  FacilityPart out;
  WASL_ASSIGN_OR_RETURN(out.id, text_at(*f, "facility.", "id", true));
  WASL_ASSIGN_OR_RETURN(out.name, text_at(*f, "facility.", "name"));
  WASL_ASSIGN_OR_RETURN(out.licence, text_at(*f, "facility.", "licence"));
  WASL_ASSIGN_OR_RETURN(std::string language, text_at(*f, "facility.", "language"));
  if (!language.empty()) out.language = language;
  if (out.language != "en" && out.language != "ar") {
    return invalid("facility.language", "must be \"en\" or \"ar\"");
  }
  WASL_ASSIGN_OR_RETURN(out.time_zone, text_at(*f, "facility.", "time_zone", true));
  WASL_ASSIGN_OR_RETURN(out.retention_days, count_at(*f, "facility.", "retention_days"));
  for (char c : out.id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return invalid("facility.id", "must be a facility id (a-z, 0-9 and -)");
    }
  }
  return out;
}

bool is_period_label(const std::string& label) {
  if (label.empty() || label.size() > 10) return false;
  for (char c : label) {
    if (!((c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result<PeriodPart> read_period(const json& body) {
  WASL_ASSIGN_OR_RETURN(const json* p, object_at(body, "", "period"));
  PeriodPart out;
  WASL_ASSIGN_OR_RETURN(out.kind, text_at(*p, "period.", "kind", true));
  WASL_ASSIGN_OR_RETURN(out.label, text_at(*p, "period.", "label", true));
  if (!is_period_label(out.label)) {
    return invalid("period.label", "must be a date YYYY-MM-DD or a month YYYY-MM");
  }
  WASL_ASSIGN_OR_RETURN(out.start, text_at(*p, "period.", "start", true));
  WASL_ASSIGN_OR_RETURN(out.end, text_at(*p, "period.", "end", true));
  WASL_ASSIGN_OR_RETURN(out.start_ms, count_at(*p, "period.", "start_ms"));
  WASL_ASSIGN_OR_RETURN(out.end_ms, count_at(*p, "period.", "end_ms"));
  if (out.end_ms < out.start_ms) return invalid("period.end_ms", "must not be before start_ms");
  WASL_ASSIGN_OR_RETURN(out.start_hijri, text_at(*p, "period.", "start_hijri"));
  WASL_ASSIGN_OR_RETURN(out.end_hijri, text_at(*p, "period.", "end_hijri"));
  return out;
}

Result<PatientPart> read_patient(const json& body) {
  WASL_ASSIGN_OR_RETURN(const json* p, object_at(body, "", "patient"));
  PatientPart out;
  auto ids = p->find("identifiers");
  if (ids == p->end() || !ids->is_array()) {
    return invalid("patient.identifiers", "must be a list of {kind, value}");
  }
  for (const auto& id : *ids) {
    if (!id.is_object()) return invalid("patient.identifiers", "must be a list of {kind, value}");
    WASL_ASSIGN_OR_RETURN(std::string kind, text_at(id, "patient.identifiers[].", "kind", true));
    WASL_ASSIGN_OR_RETURN(std::string value, text_at(id, "patient.identifiers[].", "value", true));
    if (kind != "national_id" && kind != "iqama") {
      return invalid("patient.identifiers[].kind", "must be national_id or iqama");
    }
    out.identifiers.emplace_back(std::move(kind), std::move(value));
  }
  if (out.identifiers.empty()) {
    return invalid("patient.identifiers", "must hold the patient's national id or iqama");
  }
  WASL_ASSIGN_OR_RETURN(const json* name, object_at(*p, "patient.", "name", false));
  if (name != nullptr) {
    WASL_ASSIGN_OR_RETURN(std::string text, text_at(*name, "patient.name.", "text"));
    WASL_ASSIGN_OR_RETURN(out.given_name, text_at(*name, "patient.name.", "given"));
    WASL_ASSIGN_OR_RETURN(out.family_name, text_at(*name, "patient.name.", "family"));
    if (!text.empty() || !out.given_name.empty() || !out.family_name.empty()) {
      out.name_text = text;
    }
  }
  return out;
}

Status require_kind(const sdk::Report& report, const char* kind) {
  if (report.kind != kind) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("MOH report: expected kind \"") + kind + "\"", false);
  }
  if (report.idempotency_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "MOH report: no report id (the idempotency key is empty)", false);
  }
  if (!report.body.is_object()) return invalid("body", "must be an object");
  return {};
}

}  // namespace

Result<ConsultationReport> read_consultation_report(const sdk::Report& report) {
  WASL_RETURN_IF_ERROR(require_kind(report, "consultation"));
  const json& body = report.body;
  ConsultationReport out;
  out.report_id = report.idempotency_key;
  WASL_ASSIGN_OR_RETURN(out.generated_at, text_at(body, "", "generated_at", true));
  WASL_ASSIGN_OR_RETURN(out.facility, read_facility(body));
  WASL_ASSIGN_OR_RETURN(out.period, read_period(body));
  WASL_ASSIGN_OR_RETURN(const json* c, object_at(body, "", "consultation"));
  WASL_ASSIGN_OR_RETURN(out.consultation_id, text_at(*c, "consultation.", "id", true));
  WASL_ASSIGN_OR_RETURN(out.consultation_type, text_at(*c, "consultation.", "type", true));
  WASL_ASSIGN_OR_RETURN(out.status, text_at(*c, "consultation.", "status", true));
  WASL_ASSIGN_OR_RETURN(out.service_type, text_at(*c, "consultation.", "service_type"));
  WASL_ASSIGN_OR_RETURN(out.specialty, text_at(*c, "consultation.", "specialty"));
  WASL_ASSIGN_OR_RETURN(out.duration_seconds, count_at(body, "", "duration_seconds"));
  WASL_ASSIGN_OR_RETURN(const json* attendance, object_at(body, "", "attendance", false));
  if (attendance != nullptr) {
    WASL_ASSIGN_OR_RETURN(out.outcome, text_at(*attendance, "attendance.", "outcome"));
    if (!out.outcome.empty() && out.outcome != "held" && out.outcome != "no_show" &&
        out.outcome != "clinician_no_show" && out.outcome != "not_held") {
      return invalid("attendance.outcome", "must be held, no_show, clinician_no_show or not_held");
    }
    WASL_ASSIGN_OR_RETURN(out.attendee_seconds,
                          count_at(*attendance, "attendance.", "attendee_seconds"));
  }
  WASL_ASSIGN_OR_RETURN(out.patient, read_patient(body));
  WASL_ASSIGN_OR_RETURN(const json* practitioner, object_at(body, "", "practitioner", false));
  if (practitioner != nullptr) {
    WASL_ASSIGN_OR_RETURN(out.practitioner_licence,
                          text_at(*practitioner, "practitioner.", "licence"));
  }
  return out;
}

Result<AggregateReport> read_aggregate_report(const sdk::Report& report) {
  WASL_RETURN_IF_ERROR(require_kind(report, "aggregate"));
  const json& body = report.body;
  AggregateReport out;
  out.report_id = report.idempotency_key;
  WASL_ASSIGN_OR_RETURN(out.generated_at, text_at(body, "", "generated_at", true));
  WASL_ASSIGN_OR_RETURN(out.facility, read_facility(body));
  WASL_ASSIGN_OR_RETURN(out.period, read_period(body));
  WASL_ASSIGN_OR_RETURN(const json* m, object_at(body, "", "measures"));
  const std::string at = "measures.";
  WASL_ASSIGN_OR_RETURN(out.total, count_at(*m, at, "total"));
  WASL_ASSIGN_OR_RETURN(out.completed, count_at(*m, at, "completed"));
  WASL_ASSIGN_OR_RETURN(out.no_shows, count_at(*m, at, "no_shows"));
  WASL_ASSIGN_OR_RETURN(out.clinician_no_shows, count_at(*m, at, "clinician_no_shows"));
  WASL_ASSIGN_OR_RETURN(const json* attendance, object_at(*m, at, "attendance", false));
  if (attendance != nullptr) {
    const std::string a = at + "attendance.";
    WASL_ASSIGN_OR_RETURN(out.attendee_seconds, count_at(*attendance, a, "attendee_seconds"));
    WASL_ASSIGN_OR_RETURN(auto minutes, number_at(*attendance, a, "attendee_minutes"));
    out.attendee_minutes = minutes.value_or(0);
  }
  WASL_ASSIGN_OR_RETURN(const json* cancelled, object_at(*m, at, "cancelled"));
  WASL_ASSIGN_OR_RETURN(out.cancelled, count_at(*cancelled, at + "cancelled.", "total"));
  WASL_ASSIGN_OR_RETURN(out.cancelled_by_reason,
                        counts_at(*cancelled, at + "cancelled.", "by_reason"));
  WASL_ASSIGN_OR_RETURN(out.by_specialty, counts_at(*m, at, "by_specialty"));
  WASL_ASSIGN_OR_RETURN(out.by_type, counts_at(*m, at, "by_type"));
  WASL_ASSIGN_OR_RETURN(const json* durations,
                        object_at(*m, at, "session_duration_seconds", false));
  if (durations != nullptr) {
    const std::string d = at + "session_duration_seconds.";
    WASL_ASSIGN_OR_RETURN(out.sessions_timed, count_at(*durations, d, "count"));
    WASL_ASSIGN_OR_RETURN(out.median_duration_seconds, number_at(*durations, d, "median"));
    WASL_ASSIGN_OR_RETURN(out.p90_duration_seconds, number_at(*durations, d, "p90"));
  }
  WASL_ASSIGN_OR_RETURN(const json* experience, object_at(*m, at, "patient_experience", false));
  if (experience != nullptr) {
    const std::string e = at + "patient_experience.";
    AggregateReport::PatientExperience x;
    WASL_ASSIGN_OR_RETURN(x.responses, count_at(*experience, e, "responses"));
    WASL_ASSIGN_OR_RETURN(x.clinician_rating_mean,
                          number_at(*experience, e, "clinician_rating_mean"));
    WASL_ASSIGN_OR_RETURN(x.connection_rating_mean,
                          number_at(*experience, e, "connection_rating_mean"));
    for (const auto* mean : {&x.clinician_rating_mean, &x.connection_rating_mean}) {
      if (*mean && (**mean < 1 || **mean > 5)) {
        return Error(ErrorCode::kInvalidArgument,
                     e + "clinician_rating_mean and connection_rating_mean must be from 1 to 5",
                     false);
      }
    }
    out.patient_experience = x;
  }
  return out;
}

}  // namespace wasl::plugins::moh
