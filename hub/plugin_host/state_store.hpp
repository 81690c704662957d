// StateStore: the small per-instance key/value state plugins keep through
// Host::state_get/state_put (cursors, cached tokens, idempotency records).
// Values are JSON text. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

class StateStore {
 public:
  virtual ~StateStore() = default;
  // std::nullopt when the instance has no value under `key`.
  virtual sdk::Result<std::optional<std::string>> get(std::string_view instance,
                                                      std::string_view key) = 0;
  // Replaces the value.
  virtual sdk::Status put(std::string_view instance, std::string_view key,
                          std::string_view value_json) = 0;
};

}  // namespace wasl::plugin_host
