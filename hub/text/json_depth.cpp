#include "hub/text/json_depth.hpp"

#include "wasl/sdk/json_budget.hpp"

namespace wasl::text {

int json_nesting_depth(std::string_view text) { return sdk::json_nesting_depth(text); }

}  // namespace wasl::text
