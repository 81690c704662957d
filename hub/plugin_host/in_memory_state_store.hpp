// InMemoryStateStore: a StateStore that lives as long as the process. Used
// until the store-backed one exists, and in tests. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "hub/plugin_host/state_store.hpp"

namespace wasl::plugin_host {

class InMemoryStateStore final : public StateStore {
 public:
  sdk::Result<std::optional<std::string>> get(std::string_view instance,
                                              std::string_view key) override;
  sdk::Status put(std::string_view instance, std::string_view key,
                  std::string_view value_json) override;

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::string> values_;
};

}  // namespace wasl::plugin_host
