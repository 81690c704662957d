#include "hub/domain/report.hpp"

#include "hub/domain/enum_names.hpp"
#include "hub/domain/json_fields.hpp"

namespace wasl::domain {

using namespace json_fields;

namespace {

constexpr EnumNames<ReportState, 5> kReportStateNames{{{
    {ReportState::kPending, "pending"},
    {ReportState::kSubmitted, "submitted"},
    {ReportState::kAccepted, "accepted"},
    {ReportState::kRejected, "rejected"},
    {ReportState::kError, "error"},
}}};

}  // namespace

std::string_view to_string(ReportState s) { return kReportStateNames.name(s); }
std::optional<ReportState> parse_report_state(std::string_view name) {
  return kReportStateNames.parse(name);
}

void to_json(nlohmann::json& j, const Report& v) {
  j = nlohmann::json::object();
  j["id"] = v.id;
  put_optional(j, "consultation_id", v.consultation_id);
  j["kind"] = v.kind;
  j["state"] = to_string(v.state);
  put_optional(j, "receipt", v.receipt);
  j["created_at"] = format_timestamp(v.created_at);
  put_time(j, "submitted_at", v.submitted_at);
}

void from_json(const nlohmann::json& j, Report& v) {
  v.id = j.value("id", std::string());
  get_optional(j, "consultation_id", v.consultation_id);
  v.kind = j.at("kind").get<std::string>();
  v.state = get_enum_or<ReportState>(j, "state", parse_report_state, ReportState::kPending);
  get_optional(j, "receipt", v.receipt);
  std::optional<std::int64_t> created;
  get_time(j, "created_at", created);
  v.created_at = created.value_or(0);
  get_time(j, "submitted_at", v.submitted_at);
}

}  // namespace wasl::domain
