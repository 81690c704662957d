#include "plugins/nphies/patient_resource.hpp"

#include <algorithm>
#include <cctype>

#include "plugins/nphies/nphies_vocabulary.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;

namespace {

struct Kind {
  std::string_view name;
  std::string_view system;
  std::string_view type_code;  // v2-0203
  std::string_view display;
};

constexpr Kind kKinds[] = {
    {"national_id", v::kNationalId, "NI", "national unique individual identifier"},
    {"iqama", v::kIqama, "PRC", "iqama"},
    {"passport", v::kPassport, "PPN", "passport number"},
    {"border_number", v::kBorderNumber, "BN", "border number"},
};

const Kind* kind_by_system(std::string_view system) {
  for (const auto& k : kKinds) {
    if (k.system == system) return &k;
  }
  return nullptr;
}

const Kind* kind_by_name(std::string_view name) {
  for (const auto& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

bool ten_digits(const std::string& value) {
  return value.size() == 10 &&
         std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::string nphies_identifier_system(const sdk::Identifier& identifier,
                                     const NphiesSettings& settings) {
  if (identifier.value.empty()) return {};
  if (kind_by_system(identifier.system) != nullptr) return identifier.system;
  if (auto it = settings.patient_identifier_systems.find(identifier.system);
      it != settings.patient_identifier_systems.end()) {
    const Kind* k = kind_by_name(it->second);
    return k != nullptr ? std::string(k->system) : std::string();
  }
  if (!ten_digits(identifier.value)) return {};
  switch (identifier.value.front()) {
    case '1': return std::string(v::kNationalId);
    case '2': return std::string(v::kIqama);
    case '3':
    case '4':
    case '5': return std::string(v::kBorderNumber);
    default: return {};
  }
}

sdk::Result<json> patient_resource(const sdk::PatientSummary& patient, std::string id,
                                   const NphiesSettings& settings) {
  json identifiers = json::array();
  for (const auto& identifier : patient.identifiers) {
    std::string system = nphies_identifier_system(identifier, settings);
    if (system.empty()) continue;
    const Kind* k = kind_by_system(system);
    identifiers.push_back({{"type",
                            {{"coding", json::array({{{"system", v::kV20203},
                                                      {"code", k->type_code},
                                                      {"display", k->display}}})}}},
                           {"system", system},
                           {"value", identifier.value}});
  }
  if (identifiers.empty()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "the patient has no identifier NPHIES accepts (national id, iqama, passport "
                      "or border number); map the EHR's system in settings "
                      "patient_identifier_systems",
                      false);
  }
  std::string gender = patient.gender;
  if (gender != "male" && gender != "female") gender = gender.empty() ? "" : "unknown";
  if (gender.empty()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "the patient has no gender; NPHIES requires it", false);
  }
  json name = {{"use", "official"}};
  std::string text = patient.given_name;
  if (!patient.family_name.empty()) text += (text.empty() ? "" : " ") + patient.family_name;
  if (!text.empty()) name["text"] = text;
  if (!patient.family_name.empty()) name["family"] = patient.family_name;
  if (!patient.given_name.empty()) name["given"] = json::array({patient.given_name});
  json resource = {
      {"resourceType", "Patient"},
      {"id", std::move(id)},
      {"identifier", std::move(identifiers)},
      {"active", true},
      {"name", json::array({name})},
      {"gender", gender},
      {"_gender",
       {{"extension",
         json::array(
             {{{"url", v::extension("ksa-administrative-gender")},
               {"valueCodeableConcept",
                {{"coding", json::array({{{"system", v::kKsaGender}, {"code", gender}}})}}}}})}}},
  };
  if (!patient.birth_date.empty()) resource["birthDate"] = patient.birth_date;
  if (!patient.phone.empty()) {
    resource["telecom"] = json::array({{{"system", "phone"}, {"value", patient.phone}}});
  }
  return resource;
}

}  // namespace wasl::plugins::nphies
