#include "hub/workflow/hub_actions.hpp"

#include "hub/storage/savepoint.hpp"
#include "hub/workflow/language/capabilities.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using storage::Params;

sdk::Status HubActions::add(const std::string& name, HubActionMode mode, HubAction action) {
  const Capability* declared = find_capability(name);
  if (declared == nullptr || declared->role != "hub") {
    return Error(ErrorCode::kInvalidArgument,
                 "hub action " + name +
                     " is not declared in the capability catalogue "
                     "(hub/workflow/language/capabilities.cpp)",
                 false);
  }
  if (!entries_.emplace(name, Entry{mode, std::move(action)}).second) {
    return Error(ErrorCode::kAlreadyExists,
                 "hub action " + name + " is registered twice (it is implemented in " +
                     declared->implemented_in + ")",
                 false);
  }
  return {};
}

const HubActions::Entry* HubActions::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

sdk::Status HubActions::complete() const {
  std::string missing;
  for (const std::string& method : methods_of("hub")) {
    const std::string name = "hub." + method;
    if (entries_.count(name) != 0) continue;
    if (!missing.empty()) missing += ", ";
    missing += name + " (" + find_capability(name)->implemented_in + ")";
  }
  if (missing.empty()) return {};
  return Error(ErrorCode::kFailedPrecondition,
               "hub actions declared but not registered: " + missing, false);
}

sdk::Status HubActions::observe(const std::string& method, StepObserver observer) {
  const Capability* declared = find_capability(method);
  if (declared == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "cannot observe " + method + ": no such capability",
                 false);
  }
  if (!observers_.emplace(method, std::move(observer)).second) {
    return Error(ErrorCode::kAlreadyExists, method + " has a step observer already", false);
  }
  return {};
}

const StepObserver* HubActions::observer(const std::string& method) const {
  auto it = observers_.find(method);
  return it == observers_.end() ? nullptr : &it->second;
}

sdk::Status HubActions::guard(const std::string& method, StepGuard guard) {
  if (find_capability(method) == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "cannot guard " + method + ": no such capability",
                 false);
  }
  if (!guards_.emplace(method, std::move(guard)).second) {
    return Error(ErrorCode::kAlreadyExists, method + " has a step guard already", false);
  }
  return {};
}

const StepGuard* HubActions::step_guard(const std::string& method) const {
  auto it = guards_.find(method);
  return it == guards_.end() ? nullptr : &it->second;
}

sdk::Status HubActions::react(const std::string& type, EventReaction reaction,
                              const std::string& owner) {
  if (find_event_type(type) == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "cannot react to " + type + ": no such event type",
                 false);
  }
  std::vector<OwnedReaction>& reactions = reactions_[type];
  for (const OwnedReaction& r : reactions) {
    if (r.owner == owner) {
      return Error(ErrorCode::kAlreadyExists,
                   type + " has a reaction already" + (owner.empty() ? "" : " by " + owner), false);
    }
  }
  reactions.push_back({owner, std::move(reaction)});
  return {};
}

sdk::Result<bool> HubActions::react_to(storage::Transaction& tx, const std::string& instance,
                                       const IncomingEvent& event) const {
  auto it = reactions_.find(event.type);
  if (it == reactions_.end()) return false;
  const std::vector<OwnedReaction>& reactions = it->second;
  if (reactions.size() == 1) return reactions.front().reaction(tx, instance, event);
  // Several: an error from a later one undoes what the earlier ones wrote.
  return storage::under_savepoint(tx, "event_reactions", [&]() -> sdk::Result<bool> {
    bool taken = false;
    for (const OwnedReaction& r : reactions) {
      WASL_ASSIGN_OR_RETURN(bool took, r.reaction(tx, instance, event));
      taken = taken || took;
    }
    return taken;
  });
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

sdk::Result<nlohmann::json> record_event(const HubActionContext& ctx, const nlohmann::json& input) {
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

sdk::Status add_builtin_hub_actions(HubActions& actions) {
  return actions.add("hub.record_event", HubActionMode::kInTransaction, record_event);
}

}  // namespace wasl::workflow
