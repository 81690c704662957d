// CapabilityInvoker: how the engine reaches a plugin. A step names a
// capability by role ("video.create_room"); the invoker resolves the role
// through the facility's bindings to a plugin instance and calls it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class CapabilityInvoker {
 public:
  virtual ~CapabilityInvoker() = default;

  // Calls `method` ("role.method", the SDK wire name) for `facility_id` with
  // `input` (the JSON form of the SDK request). `idempotency_key` is the
  // step's key; the engine has already put it in `input.idempotency_key`.
  // Returns the plugin's JSON result or its Error unchanged (retryable and
  // retry_after included). Must be thread-safe: every worker calls it, and a
  // call the engine gave up on (timeout) may still be running.
  virtual sdk::Result<nlohmann::json> invoke(const std::string& facility_id,
                                             const std::string& method,
                                             const nlohmann::json& input,
                                             const std::string& idempotency_key) = 0;
};

}  // namespace wasl::workflow
