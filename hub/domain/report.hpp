// Report: what is sent to the Ministry of Health through the report plugin,
// per consultation or aggregated (consultation_id empty). Skeleton: the
// payload is PHI, stored only encrypted (reports.payload_enc).
//
// JSON wire form: {"id", "consultation_id", "kind", "state", "receipt",
// "created_at", "submitted_at"}; the payload is not on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wasl::domain {

enum class ReportState { kPending, kSubmitted, kAccepted, kRejected, kError };
std::string_view to_string(ReportState s);  // "pending", "submitted", …
std::optional<ReportState> parse_report_state(std::string_view name);

struct Report {
  std::string id;
  std::optional<std::string> consultation_id;
  std::string facility_id;
  std::string kind;  // e.g. "consultation", "daily_aggregate"
  ReportState state = ReportState::kPending;
  std::optional<std::string> receipt;
  std::optional<std::string> payload;  // JSON text, PHI
  std::int64_t created_at = 0;
  std::optional<std::int64_t> submitted_at;
  bool operator==(const Report&) const = default;
};

void to_json(nlohmann::json& j, const Report& v);
void from_json(const nlohmann::json& j, Report& v);

}  // namespace wasl::domain
