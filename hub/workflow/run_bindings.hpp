// Run bindings: the role → plugin instance bindings a workflow run keeps for
// its whole life, stored in workflow_runs.bindings as a JSON object
// ({"video": "video.twilio-main", "ehr": "ehr.main"}). The engine writes them
// when it creates the run (the facility's bindings at that moment); plugin
// calls of the run, hub actions, the participants routes and the session
// reconciler resolve a role through them, so a consultation finishes on the
// instances it started with after the facility is rebound. A role the
// snapshot does not bind — every role of a run created before snapshots
// existed (NULL) — resolves through the facility's current bindings.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// role ("video") → plugin instance name ("video.twilio-main")
using RoleBindings = std::map<std::string, std::string>;

// `current` overlaid by `pinned`: a role `pinned` binds keeps its pinned
// instance; every other role takes the current one.
inline RoleBindings effective_bindings(const RoleBindings& pinned, const RoleBindings& current) {
  RoleBindings out = current;
  for (const auto& [role, instance] : pinned) out[role] = instance;
  return out;
}

// The instance `role` resolves to: the pinned one, else the current one, else "".
inline std::string bound_instance(const RoleBindings& pinned, const RoleBindings& current,
                                  const std::string& role) {
  if (auto it = pinned.find(role); it != pinned.end()) return it->second;
  if (auto it = current.find(role); it != current.end()) return it->second;
  return {};
}

// The stored form (a JSON object of strings).
inline std::string run_bindings_text(const RoleBindings& bindings) {
  return nlohmann::json(bindings).dump();
}

// Parses the stored form; kInternal naming the run when it is not a JSON
// object of strings (the column is only written by the engine).
inline sdk::Result<RoleBindings> parse_run_bindings(std::string_view text,
                                                    const std::string& run_id) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  RoleBindings out;
  bool valid = parsed.is_object();
  if (valid) {
    for (const auto& [role, instance] : parsed.items()) {
      if (!instance.is_string()) {
        valid = false;
        break;
      }
      out[role] = instance.get<std::string>();
    }
  }
  if (!valid) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "workflow run " + run_id +
                          " has unreadable bindings (workflow_runs.bindings is not a JSON "
                          "object of instance names)",
                      false);
  }
  return out;
}

// The snapshot of the row's `column` (workflow_runs.bindings); empty when
// NULL (a run created before snapshots existed).
inline sdk::Result<RoleBindings> run_bindings_of(const storage::Row& row, std::string_view column,
                                                 const std::string& run_id) {
  if (row.is_null(column)) return RoleBindings{};
  WASL_ASSIGN_OR_RETURN(std::string text, row.get_text(column));
  return parse_run_bindings(text, run_id);
}

}  // namespace wasl::workflow
