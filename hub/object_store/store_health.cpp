#include "hub/object_store/store_health.hpp"

#include "hub/object_store/s3_object_store.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::object_store {

namespace {

nlohmann::json store_json(ObjectStore& store) {
  nlohmann::json out = {{"kind", std::string(store.kind())}};
  const auto* s3 = dynamic_cast<const S3ObjectStore*>(&store);
  if (s3 == nullptr) return out;
  const StoreState state = s3->monitor().state();
  out["state"] = std::string(to_string(state.reachability));
  if (!state.last_error.empty()) {
    out["last_error"] = state.last_error;
    out["last_error_at"] = sdk::format_iso8601(state.last_error_at_ms);
  }
  return out;
}

}  // namespace

nlohmann::json stores_health(const ObjectStores& stores) {
  nlohmann::json out = store_json(stores.active());
  out["active"] = std::string(stores.active_name());
  nlohmann::json all = nlohmann::json::object();
  for (const std::string& name : stores.names()) {
    if (ObjectStore* store = stores.find(name)) all[name] = store_json(*store);
  }
  out["stores"] = std::move(all);
  return out;
}

}  // namespace wasl::object_store
