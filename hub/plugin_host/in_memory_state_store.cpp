#include "hub/plugin_host/in_memory_state_store.hpp"

namespace wasl::plugin_host {

sdk::Result<std::optional<std::string>> InMemoryStateStore::get(std::string_view instance,
                                                                std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = values_.find({std::string(instance), std::string(key)});
  if (it == values_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

sdk::Status InMemoryStateStore::put(std::string_view instance, std::string_view key,
                                    std::string_view value_json) {
  std::lock_guard lock(mutex_);
  values_[{std::string(instance), std::string(key)}] = std::string(value_json);
  return {};
}

}  // namespace wasl::plugin_host
