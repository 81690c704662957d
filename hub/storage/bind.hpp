// Placeholders for statements whose shape depends on their input: an IN
// list of n values, a multi-row VALUES. Both backends number placeholders
// $1, $2, … in the order of the Params vector.
#pragma once

#include <string>
#include <vector>

#include "hub/storage/store.hpp"

namespace wasl::storage {

// Appends `value` to `params` and returns its placeholder ("$n").
std::string bind(Params& params, Value value);
// Appends each value to `params` and returns their placeholders joined by
// ", " (an IN list, or one row of a multi-row VALUES).
std::string bind_all(Params& params, std::vector<Value> values);

}  // namespace wasl::storage
