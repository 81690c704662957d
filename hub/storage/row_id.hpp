// Row identifiers the hub creates (workflow runs, steps and events, jobs,
// inbox rows): 32 lowercase hex digits, 128 random bits from OpenSSL's
// generator (sdk::random_hex), so ids made by hubs sharing one database do
// not collide. Thread-safe.
#pragma once

#include <string>

#include "wasl/sdk/result.hpp"

namespace wasl::storage {

// kInternal when the random generator fails (a broken installation).
sdk::Result<std::string> new_row_id();

}  // namespace wasl::storage
