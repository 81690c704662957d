// SecretSource: where Host::secret() finds an instance's named secrets.
// Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

class SecretSource {
 public:
  virtual ~SecretSource() = default;
  // std::nullopt when `instance` has no secret called `name`.
  virtual sdk::Result<std::optional<std::string>> lookup(std::string_view instance,
                                                         std::string_view name) = 0;
};

}  // namespace wasl::plugin_host
