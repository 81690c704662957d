#include "hub/workflow/hub_actions.hpp"

#include "hub/domain/consultation.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using storage::Params;

void HubActions::add(const std::string& name, HubActionMode mode, HubAction action) {
  entries_[name] = Entry{mode, std::move(action)};
}

const HubActions::Entry* HubActions::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

void HubActions::observe(const std::string& method, StepObserver observer) {
  observers_[method] = std::move(observer);
}

const StepObserver* HubActions::observer(const std::string& method) const {
  auto it = observers_.find(method);
  return it == observers_.end() ? nullptr : &it->second;
}

namespace {

sdk::Result<std::string> required_string(const nlohmann::json& input, const char* action,
                                         const char* member) {
  if (!input.is_object() || !input.contains(member) || !input[member].is_string() ||
      input[member].get<std::string>().empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(action) + " needs a non-empty string '" + member + "'", false);
  }
  return input[member].get<std::string>();
}

sdk::Result<nlohmann::json> set_status(const HubActionContext& ctx, const nlohmann::json& input) {
  WASL_ASSIGN_OR_RETURN(std::string status, required_string(input, "hub.set_status", "status"));
  auto parsed = domain::parse_consultation_status(status);
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument,
                 "hub.set_status: \"" + status +
                     "\" is not a consultation status (scheduled, waiting_room, in_session, "
                     "ended, archived, billed, completed, cancelled, failed)",
                 false);
  }
  nlohmann::json out = {{"status", status}, {"previous_status", nullptr}};
  if (ctx.consultation_id.empty()) return out;
  using records::ConsultationStore;
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
  out["previous_status"] = found->status;
  return out;
}

// An optional string member: absent, null or "" = unset.
sdk::Result<std::optional<std::string>> optional_text(const nlohmann::json& input,
                                                      const char* member) {
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

sdk::Result<std::optional<std::int64_t>> optional_ms(const nlohmann::json& input,
                                                     const char* member) {
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

sdk::Result<nlohmann::json> describe_consultation(const HubActionContext& ctx,
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
  WASL_RETURN_IF_ERROR(records::ConsultationStore::set_report_facts(
      *ctx.tx, ctx.facility_id, ctx.consultation_id, facts, ctx.now_ms));
  return out;
}

sdk::Result<nlohmann::json> record_event(const HubActionContext& ctx,
                                         const nlohmann::json& input) {
  WASL_ASSIGN_OR_RETURN(std::string type, required_string(input, "hub.record_event", "type"));
  std::string detail;
  if (input.contains("detail")) {
    if (!input["detail"].is_object() && !input["detail"].is_null()) {
      return Error(ErrorCode::kInvalidArgument, "hub.record_event 'detail' must be an object",
                   false);
    }
    detail = input["detail"].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // One entry per (run, step): the idempotency key makes a repeat a no-op.
  std::string id = ctx.idempotency_key;
  auto existing = ctx.tx->query("SELECT id FROM workflow_notes WHERE run_id = $1 AND step_id = $2",
                                Params{ctx.run_id, ctx.step_id});
  if (!existing.ok()) return std::move(existing).error();
  if (existing->empty()) {
    WASL_RETURN_IF_ERROR(ctx.tx->exec(
        "INSERT INTO workflow_notes (id, run_id, facility_id, step_id, type, detail, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Params{id, ctx.run_id, ctx.facility_id, ctx.step_id, type,
               detail.empty() ? storage::null_value() : storage::Value(detail),
               static_cast<std::int64_t>(ctx.now_ms)}));
  } else {
    WASL_ASSIGN_OR_RETURN(id, (*existing)[0].get_text(0));
  }
  return nlohmann::json{{"event_id", id}};
}

}  // namespace

void add_builtin_hub_actions(HubActions& actions) {
  actions.add("hub.set_status", HubActionMode::kInTransaction, set_status);
  actions.add("hub.record_event", HubActionMode::kInTransaction, record_event);
  actions.add("hub.describe_consultation", HubActionMode::kInTransaction, describe_consultation);
}

}  // namespace wasl::workflow
