#include "hub/domain/phi_fields.hpp"

#include <algorithm>

namespace wasl::domain {

const std::vector<std::string_view>& provider_patient_phi_members() {
  static const std::vector<std::string_view> kMembers{
      "identifiers", "given_name", "family_name", "birth_date", "gender", "phone", "raw"};
  return kMembers;
}

const std::vector<std::string_view>& provider_coverage_phi_members() {
  static const std::vector<std::string_view> kMembers{"member_id", "policy_number", "raw"};
  return kMembers;
}

std::vector<std::string> phi_json_members() {
  std::vector<std::string> out;
  for (const auto* members : {&patient_summary_phi_members(), &practitioner_summary_phi_members(),
                              &participant_phi_members(), &provider_patient_phi_members(),
                              &provider_coverage_phi_members()}) {
    for (std::string_view m : *members) {
      if (std::find(out.begin(), out.end(), m) == out.end()) out.emplace_back(m);
    }
  }
  return out;
}

}  // namespace wasl::domain
