#include "hub/access/facility_scope.hpp"

#include <cstdlib>

namespace wasl::access {

std::string facility_condition(const Principal& principal, storage::Params& params,
                               std::string_view column) {
  if (column.empty()) std::abort();
  for (char c : column) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.';
    if (!ok) std::abort();
  }
  params.emplace_back(principal.facility_id);
  std::string out(column);
  out += " = $";
  out += std::to_string(params.size());
  return out;
}

}  // namespace wasl::access
