#include "plugins/hl7v2/state_records.hpp"
#include "wasl/sdk/json_member.hpp"

#include <algorithm>
#include <mutex>

namespace wasl::plugins::hl7v2 {

namespace {

using nlohmann::json;

std::mutex& records_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Whether `stamp` is newer than the stamp of `record` ({"stamp": {"time_ms",
// "control_ids"}}); a record without a readable stamp is older than anything.
bool newer(const Stamp& stamp, const json& record) {
  if (!record.is_object() || !record.contains("stamp")) return true;
  const json& stored = record["stamp"];
  const std::int64_t time_ms = stored.value("time_ms", std::int64_t{0});
  if (stamp.time_ms != time_ms) return stamp.time_ms > time_ms;
  const json ids = sdk::array_member(stored, "control_ids");
  return std::find(ids.begin(), ids.end(), json(stamp.control_id)) == ids.end();
}

}  // namespace

sdk::Result<bool> StateRecords::put_if_newer(const std::string& key, const Stamp& stamp, json value,
                                             const Merge& merge) {
  std::lock_guard lock(records_mutex());
  WASL_ASSIGN_OR_RETURN(std::optional<json> stored, host_.state_get(key));
  if (stored && !newer(stamp, *stored)) return false;
  json ids = json::array();
  if (stored && stored->contains("stamp") &&
      (*stored)["stamp"].value("time_ms", std::int64_t{0}) == stamp.time_ms) {
    ids = (*stored)["stamp"].value("control_ids", json::array());
  }
  ids.push_back(stamp.control_id);
  while (ids.size() > kMaxControlIds) ids.erase(ids.begin());
  if (merge && stored && stored->contains("value"))
    value = merge((*stored)["value"], std::move(value));
  json record = {{"stamp", {{"time_ms", stamp.time_ms}, {"control_ids", std::move(ids)}}},
                 {"value", std::move(value)}};
  WASL_RETURN_IF_ERROR(host_.state_put(key, record));
  return true;
}

sdk::Result<std::optional<json>> StateRecords::get(const std::string& key) {
  std::lock_guard lock(records_mutex());
  WASL_ASSIGN_OR_RETURN(std::optional<json> stored, host_.state_get(key));
  if (!stored || !stored->is_object() || !stored->contains("value")) return std::optional<json>();
  return std::optional<json>((*stored)["value"]);
}

sdk::Result<bool> StateRecords::update(const std::string& key,
                                       const std::function<json(json)>& change) {
  std::lock_guard lock(records_mutex());
  WASL_ASSIGN_OR_RETURN(std::optional<json> stored, host_.state_get(key));
  if (!stored || !stored->is_object() || !stored->contains("value")) return false;
  (*stored)["value"] = change((*stored)["value"]);
  WASL_RETURN_IF_ERROR(host_.state_put(key, *stored));
  return true;
}

}  // namespace wasl::plugins::hl7v2
