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
  WASL_RETURN_IF_ERROR(ConsultationStore::update_status(*ctx.tx, ctx.facility_id,
                                                        ctx.consultation_id, *parsed, ctx.now_ms));
  out["previous_status"] = found->status;
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
}

}  // namespace wasl::workflow
