#include "plugins/fhir/slot_bundle.hpp"

#include <utility>

#include "plugins/fhir/resource_mapping.hpp"
#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::fhir {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;

bool read_free_slot(const json& slot, sdk::FreeSlot& out) {
  if (!slot.is_object() || sdk::string_member(slot, "resourceType") != "Slot") return false;
  if (sdk::string_member(slot, "status") != "free") return false;
  out = sdk::FreeSlot{};
  out.id = sdk::string_member(slot, "id");
  if (!is_fhir_id(out.id)) return false;
  auto schedule = slot.find("schedule");
  if (schedule == slot.end() || !schedule->is_object()) return false;
  out.schedule_id = reference_id(*schedule, "Schedule");
  if (!is_fhir_id(out.schedule_id)) return false;
  auto start = parse_fhir_time(sdk::string_member(slot, "start"));
  auto end = parse_fhir_time(sdk::string_member(slot, "end"));
  if (!start || !end || *start >= *end) return false;
  out.start_ms = *start;
  out.end_ms = *end;
  if (auto meta = slot.find("meta"); meta != slot.end() && meta->is_object()) {
    out.version_id = sdk::string_member(*meta, "versionId");
  }
  return true;
}

sdk::Result<SlotPage> read_slot_page(std::string_view body) {
  const sdk::JsonBudget budget{kMaxSlotPageBytes, kMaxSlotPageDepth};
  if (std::string problem = sdk::json_budget_problem(body, budget); !problem.empty()) {
    return Error(ErrorCode::kFailedPrecondition, "the Slot search answered a body that " + problem,
                 false);
  }
  json bundle = sdk::parse_json_within(body, budget);
  if (!bundle.is_object() || sdk::string_member(bundle, "resourceType") != "Bundle") {
    return Error(ErrorCode::kUnavailable, "the Slot search answered no Bundle", true);
  }
  SlotPage page;
  if (auto entries = bundle.find("entry"); entries != bundle.end() && entries->is_array()) {
    if (entries->size() > kMaxSlotPageEntries) {
      return Error(ErrorCode::kFailedPrecondition,
                   "the Slot search answered " + std::to_string(entries->size()) +
                       " entries in one page, more than " + std::to_string(kMaxSlotPageEntries),
                   false);
    }
    for (const json& entry : *entries) {
      if (!entry.is_object()) continue;
      auto resource = entry.find("resource");
      if (resource == entry.end()) continue;
      sdk::FreeSlot slot;
      if (read_free_slot(*resource, slot)) page.slots.push_back(std::move(slot));
    }
  }
  if (auto links = bundle.find("link"); links != bundle.end() && links->is_array()) {
    for (const json& link : *links) {
      if (link.is_object() && sdk::string_member(link, "relation") == "next") {
        page.next_url = sdk::string_member(link, "url");
      }
    }
  }
  return page;
}

}  // namespace wasl::plugins::fhir
