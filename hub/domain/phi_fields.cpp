#include "hub/domain/phi_fields.hpp"

#include <algorithm>

namespace wasl::domain {

std::vector<std::string> phi_json_members() {
  std::vector<std::string> out;
  for (const auto* members : {&patient_summary_phi_members(), &practitioner_summary_phi_members(),
                              &participant_phi_members()}) {
    for (std::string_view m : *members) {
      if (std::find(out.begin(), out.end(), m) == out.end()) out.emplace_back(m);
    }
  }
  return out;
}

}  // namespace wasl::domain
