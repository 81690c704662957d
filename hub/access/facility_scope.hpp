// Facility isolation in SQL for a query written against a Principal: the
// condition that limits it to the principal's facility, so a key for
// facility A cannot see facility B's rows (the caller answers 404, not 403).
// The record stores (hub/records/) take the facility id as an argument of
// every method and put it in each of their queries themselves; this is for
// SQL built elsewhere from a principal.
#pragma once

#include <string>
#include <string_view>

#include "hub/access/principal.hpp"
#include "hub/storage/store.hpp"

namespace wasl::access {

// Appends the principal's facility id to `params` and returns the condition
// "<column> = $n" (n = its position), e.g. for
//   params = {id}; sql = "... WHERE id = $1 AND " + facility_condition(p, params);
// `column` is a trusted identifier such as "facility_id" or "c.facility_id";
// anything but letters, digits, '_' and '.' aborts (a programming error).
std::string facility_condition(const Principal& principal, storage::Params& params,
                               std::string_view column = "facility_id");

}  // namespace wasl::access
