#include "hub/workflow/resource_guard.hpp"

#include <functional>
#include <string_view>
#include <vector>

#include "hub/records/provider_resource_store.hpp"

namespace wasl::workflow {

using nlohmann::json;
using records::Ownership;
using records::ProviderResourceStore;
using sdk::Error;
using sdk::ErrorCode;

namespace {

// A resource id is the caller's text: the audit trail keeps its start.
constexpr std::size_t kMaxAuditedIdChars = 256;

// Calls `visit(member, id)` for every non-empty string `path` reaches in
// `value`; `member` is the path with list indices filled in.
void each_id(const json& value, std::string_view path, const std::string& member,
             const std::function<void(const std::string&, const std::string&)>& visit) {
  if (path.empty()) {
    if (value.is_string() && !value.get_ref<const std::string&>().empty()) {
      visit(member, value.get<std::string>());
    }
    return;
  }
  auto dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  std::string prefix = member.empty() ? member : member + ".";
  if (head == "[]") {
    if (!value.is_array()) return;
    for (std::size_t i = 0; i < value.size(); ++i) {
      each_id(value[i], rest, member + "[" + std::to_string(i) + "]", visit);
    }
    return;
  }
  if (!value.is_object()) return;
  auto it = value.find(head);
  if (it == value.end()) return;
  each_id(*it, rest, prefix + std::string(head), visit);
}

}  // namespace

Error ResourceDenial::error(const std::string& call) const {
  return Error(ErrorCode::kPermissionDenied,
               "'" + call + "' input '" + member + "' names a provider resource (" + kind +
                   ") that is not this facility's; a step may only name the resources its "
                   "facility's runs created or learned",
               false);
}

sdk::Result<std::optional<ResourceDenial>> check_resources(storage::Transaction& tx,
                                                           const std::string& facility_id,
                                                           const Capability& capability,
                                                           const json& input) {
  std::optional<ResourceDenial> denied;
  std::optional<Error> failed;
  for (const ResourceMember& m : capability.resource_inputs) {
    const ResourceKind* kind = find_resource_kind(m.kind);
    each_id(input, m.path, "", [&](const std::string& member, const std::string& id) {
      if (denied || failed) return;
      auto owner = ProviderResourceStore::ownership(tx, facility_id, m.kind, id);
      if (!owner.ok()) {
        failed = owner.error();
        return;
      }
      bool refused = *owner == Ownership::kForeign ||
                     (*owner == Ownership::kUnknown && kind != nullptr && kind->recorded_by_hub);
      if (refused) denied = ResourceDenial{member, m.kind, id, *owner == Ownership::kForeign};
    });
    if (failed) return *failed;
    if (denied) return denied;
  }
  return denied;
}

sdk::Status record_outputs(storage::Transaction& tx, const std::string& facility_id,
                           const std::string& instance, const Capability& capability,
                           const json& output, std::int64_t now) {
  if (instance.empty()) return {};
  std::optional<Error> failed;
  for (const ResourceMember& m : capability.resource_outputs) {
    each_id(output, m.path, "", [&](const std::string& /*member*/, const std::string& id) {
      if (failed) return;
      auto recorded = ProviderResourceStore::record(tx, {facility_id, instance, m.kind, id, now});
      if (!recorded.ok()) failed = recorded.error();
    });
    if (failed) return *failed;
  }
  return {};
}

audit::AuditEvent denied_event(const ResourceDenial& denial, const std::string& facility_id,
                               const std::string& run_id, const std::string& step_id,
                               const std::string& call, const std::string& attempt_row,
                               std::int64_t now) {
  audit::AuditEvent event;
  event.occurred_at = now;
  event.actor = "system";
  event.facility_id = facility_id;
  event.action = "access.denied";
  event.entity_type = "workflow_step";
  event.entity_id = attempt_row;
  event.outcome = std::string(audit::kOutcomeDenied);
  event.detail = json{{"run_id", run_id},
                      {"step", step_id},
                      {"call", call},
                      {"member", denial.member},
                      {"kind", denial.kind},
                      {"resource_id", denial.resource_id.substr(0, kMaxAuditedIdChars)},
                      {"recorded", denial.foreign ? "other_facility" : "none"}}
                     .dump();
  return event;
}

}  // namespace wasl::workflow
