#include "hub/consultations/consultation_actions.hpp"

#include <cstdint>
#include <optional>
#include <string>

#include "hub/domain/consultation.hpp"
#include "hub/notifications/consultation_notices.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/workflow/run_bindings.hpp"

namespace wasl::consultations {
namespace {

using records::ConsultationStore;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

constexpr const char* kSetStatus = "hub.set_status";
constexpr const char* kDescribe = "hub.describe_consultation";

Result<std::string> required_string(const nlohmann::json& input, const char* action,
                                    const char* member) {
  if (!input.is_object() || !input.contains(member) || !input[member].is_string() ||
      input[member].get<std::string>().empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(action) + " needs a non-empty string '" + member + "'", false);
  }
  return input[member].get<std::string>();
}

// The video instance the run's room lives on: the run's own binding (kept
// from its start), else the facility's current one.
std::string video_instance(const workflow::HubActionContext& ctx, const config::Config& config) {
  workflow::RoleBindings current;
  if (auto f = config.facilities.find(ctx.facility_id); f != config.facilities.end()) {
    current = f->second.bindings;
  }
  return workflow::bound_instance(ctx.bindings, current, "video");
}

Result<nlohmann::json> set_status(const workflow::HubActionContext& ctx,
                                  const nlohmann::json& input, const config::Config& config,
                                  const records::CellCipher& cipher) {
  WASL_ASSIGN_OR_RETURN(std::string status, required_string(input, kSetStatus, "status"));
  auto parsed = domain::parse_consultation_status(status);
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.set_status: \"" + status +
                     "\" is not a consultation status (scheduled, waiting_room, in_session, "
                     "ended, archived, billed, completed, cancelled, failed, no_show, "
                     "clinician_no_show)",
                 false);
  }
  nlohmann::json out = {{"status", status}, {"previous_status", nullptr}};
  if (ctx.consultation_id.empty()) return out;
  WASL_ASSIGN_OR_RETURN(auto found,
                        ConsultationStore::facts(*ctx.tx, ctx.facility_id, ctx.consultation_id));
  if (!found) {
    return Error(ErrorCode::kNotFound,
                 "consultation " + ctx.consultation_id + " of the run does not exist", false);
  }
  std::string reason;
  if (auto r = input.find("reason"); r != input.end() && !r->is_null()) {
    if (!r->is_string() || !records::is_cancel_reason(r->get<std::string>())) {
      return Error(ErrorCode::kInvalidArgument,
                   "hub.set_status 'reason' must be a code of a-z, 0-9 and _ (at most 40), such "
                   "as patient_request, no_show or session_not_completed",
                   false);
    }
    reason = r->get<std::string>();
  }
  // Replaces only the status read above: a cancel (or any change) committed
  // between that read and this write is kept, and the step fails with
  // kFailedPrecondition instead of overwriting it.
  WASL_RETURN_IF_ERROR(ConsultationStore::update_status(
      *ctx.tx, ctx.facility_id, ctx.consultation_id, *parsed, ctx.now_ms,
      domain::parse_consultation_status(found->status)));
  if (*parsed == domain::ConsultationStatus::kCancelled && !reason.empty()) {
    WASL_RETURN_IF_ERROR(ConsultationStore::set_cancel_reason(
        *ctx.tx, ctx.facility_id, ctx.consultation_id, reason, ctx.now_ms));
  }
  if (*parsed == domain::ConsultationStatus::kCancelled &&
      found->status != domain::to_string(domain::ConsultationStatus::kCancelled)) {
    WASL_RETURN_IF_ERROR(notifications::consultation_cancelled(
        *ctx.tx, config, ctx.facility_id, ctx.consultation_id, reason, ctx.now_ms));
  }
  auto room = input.find("room_id");
  if (room != input.end() && room->is_string() && !room->get<std::string>().empty()) {
    ConsultationStore consultations(cipher);
    WASL_RETURN_IF_ERROR(consultations.set_room(*ctx.tx, ctx.facility_id, ctx.consultation_id,
                                                video_instance(ctx, config),
                                                room->get<std::string>(), ctx.now_ms));
  }
  out["previous_status"] = found->status;
  return out;
}

// An optional string member: absent, null or "" = unset.
Result<std::optional<std::string>> optional_text(const nlohmann::json& input, const char* member) {
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string() || it->get_ref<const std::string&>().size() > 200) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("hub.describe_consultation '") + member +
                     "' must be a string of at most 200 bytes",
                 false);
  }
  if (it->get_ref<const std::string&>().empty()) return std::optional<std::string>();
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<std::int64_t>> optional_ms(const nlohmann::json& input, const char* member) {
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("hub.describe_consultation '") + member +
                     "' must be epoch milliseconds (a whole number of at least 0)",
                 false);
  }
  if (it->get<std::int64_t>() == 0) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<nlohmann::json> describe_consultation(const workflow::HubActionContext& ctx,
                                             const nlohmann::json& input) {
  if (!input.is_object()) {
    return Error(ErrorCode::kInvalidArgument, "hub.describe_consultation needs an object", false);
  }
  records::ConsultationReportFacts facts;
  WASL_ASSIGN_OR_RETURN(facts.specialty, optional_text(input, "specialty"));
  WASL_ASSIGN_OR_RETURN(facts.service_type, optional_text(input, "service_type"));
  WASL_ASSIGN_OR_RETURN(facts.session_started_at, optional_ms(input, "session_start_ms"));
  WASL_ASSIGN_OR_RETURN(facts.session_ended_at, optional_ms(input, "session_end_ms"));
  if (facts.session_started_at && facts.session_ended_at &&
      *facts.session_ended_at < *facts.session_started_at) {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.describe_consultation 'session_end_ms' must not be before session_start_ms",
                 false);
  }
  nlohmann::json out = {{"recorded", !ctx.consultation_id.empty()}};
  if (ctx.consultation_id.empty()) return out;
  WASL_RETURN_IF_ERROR(ConsultationStore::set_report_facts(*ctx.tx, ctx.facility_id,
                                                           ctx.consultation_id, facts, ctx.now_ms));
  return out;
}

}  // namespace

sdk::Status add_consultation_actions(workflow::HubActions& actions, const config::Config& config,
                                     const records::CellCipher& cipher) {
  WASL_RETURN_IF_ERROR(actions.add(
      kSetStatus, workflow::HubActionMode::kInTransaction,
      [&config, &cipher](const workflow::HubActionContext& ctx, const nlohmann::json& input) {
        return set_status(ctx, input, config, cipher);
      }));
  return actions.add(kDescribe, workflow::HubActionMode::kInTransaction, describe_consultation);
}

}  // namespace wasl::consultations
