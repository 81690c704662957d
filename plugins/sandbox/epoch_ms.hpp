// epoch_ms(): the host's wall clock as milliseconds since the Unix epoch, the
// unit of every time in wasl/sdk/types.hpp.
#pragma once

#include <chrono>
#include <cstdint>

#include "wasl/sdk/host.hpp"

namespace wasl::plugins::sandbox {

inline std::int64_t epoch_ms(sdk::Host& host) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(host.now().time_since_epoch())
      .count();
}

}  // namespace wasl::plugins::sandbox
