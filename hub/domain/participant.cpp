#include "hub/domain/participant.hpp"

#include "hub/domain/enum_names.hpp"
#include "hub/domain/json_fields.hpp"
#include "hub/domain/phi_fields.hpp"

namespace wasl::domain {

using namespace json_fields;

namespace {

constexpr EnumNames<ParticipantRole, 7> kRoleNames{{{
    {ParticipantRole::kDoctor, "doctor"},
    {ParticipantRole::kPatient, "patient"},
    {ParticipantRole::kNurse, "nurse"},
    {ParticipantRole::kSpecialist, "specialist"},
    {ParticipantRole::kFamilyMember, "family_member"},
    {ParticipantRole::kInterpreter, "interpreter"},
    {ParticipantRole::kObserver, "observer"},
}}};

constexpr EnumNames<ParticipantState, 3> kParticipantStateNames{{{
    {ParticipantState::kWaiting, "waiting"},
    {ParticipantState::kAdmitted, "admitted"},
    {ParticipantState::kRemoved, "removed"},
}}};

}  // namespace

std::string_view to_string(ParticipantRole r) { return kRoleNames.name(r); }
std::optional<ParticipantRole> parse_participant_role(std::string_view name) {
  return kRoleNames.parse(name);
}
bool is_clinician(ParticipantRole r) {
  return r == ParticipantRole::kDoctor || r == ParticipantRole::kNurse ||
         r == ParticipantRole::kSpecialist;
}

std::string_view to_string(ParticipantState s) { return kParticipantStateNames.name(s); }
std::optional<ParticipantState> parse_participant_state(std::string_view name) {
  return kParticipantStateNames.parse(name);
}

// display_name is the PHI of a participant (phi_fields.hpp).
const std::vector<std::string_view>& participant_phi_members() {
  static const std::vector<std::string_view> kMembers{"display_name"};
  return kMembers;
}

void to_json(nlohmann::json& j, const Participant& v) {
  j = nlohmann::json::object();
  j["id"] = v.id;
  j["consultation_id"] = v.consultation_id;
  j["role"] = to_string(v.role);
  j["display_name"] = v.display_name;
  j["state"] = to_string(v.state);
  j["family_consent"] = v.family_consent;
  put_optional(j, "provider_participant_id", v.provider_participant_id);
  put_time(j, "token_expires_at", v.token_expires_at);
  j["created_at"] = format_timestamp(v.created_at);
  put_time(j, "admitted_at", v.admitted_at);
  put_time(j, "removed_at", v.removed_at);
}

void from_json(const nlohmann::json& j, Participant& v) {
  v.id = j.value("id", std::string());
  v.consultation_id = j.value("consultation_id", std::string());
  v.role = get_enum<ParticipantRole>(j, "role", parse_participant_role);
  v.display_name = j.value("display_name", std::string());
  v.state = get_enum_or<ParticipantState>(j, "state", parse_participant_state,
                                          ParticipantState::kWaiting);
  v.family_consent = j.value("family_consent", false);
  get_optional(j, "provider_participant_id", v.provider_participant_id);
  get_time(j, "token_expires_at", v.token_expires_at);
  std::optional<std::int64_t> created;
  get_time(j, "created_at", created);
  v.created_at = created.value_or(0);
  get_time(j, "admitted_at", v.admitted_at);
  get_time(j, "removed_at", v.removed_at);
}

}  // namespace wasl::domain
