// The Twilio room UniqueName for a Wasl idempotency key.
//
// UniqueName = "wasl-" + the first 40 lower-case hex digits of
// SHA-256(idempotency key): stable across retries and processes, 45
// characters (Twilio allows 128), only unreserved URL characters (so it can
// address the room in a path), and it reveals nothing of the key.
//
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio {

inline constexpr std::string_view kUniqueNamePrefix = "wasl-";

// kInvalidArgument for an empty key (a create without a key could never be
// recognised on retry).
sdk::Result<std::string> room_unique_name(std::string_view idempotency_key);

}  // namespace wasl::plugins::twilio
