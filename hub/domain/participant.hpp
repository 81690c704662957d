// Participant: one person in a consultation's video session, with the
// waiting-room state.
//
// JSON wire form: {"id", "consultation_id", "role": "family_member",
// "display_name", "state": "waiting", "family_consent": true,
// "provider_participant_id", "token_expires_at", "created_at",
// "admitted_at", "removed_at"} — times RFC 3339 UTC, absent optionals
// omitted. from_json throws like consultation.hpp's from_json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wasl::domain {

enum class ParticipantRole {
  kDoctor,
  kPatient,
  kNurse,
  kSpecialist,
  kFamilyMember,
  kInterpreter,
  kObserver,
};
std::string_view to_string(ParticipantRole r);  // "doctor", …, "family_member", …
std::optional<ParticipantRole> parse_participant_role(std::string_view name);
// Doctors, nurses and specialists: they join the room directly and may admit
// others from the waiting room.
bool is_clinician(ParticipantRole r);

enum class ParticipantState { kWaiting, kAdmitted, kRemoved };
std::string_view to_string(ParticipantState s);  // "waiting", "admitted", "removed"
std::optional<ParticipantState> parse_participant_state(std::string_view name);

struct Participant {
  std::string id;
  std::string consultation_id;
  std::string facility_id;  // not on the wire; the store fills it
  ParticipantRole role = ParticipantRole::kPatient;
  std::string display_name;  // PHI: stored only encrypted (participants.display_name_enc)
  ParticipantState state = ParticipantState::kWaiting;
  bool family_consent = false;
  std::optional<std::string> provider_participant_id;
  std::optional<std::int64_t> token_expires_at;  // epoch ms UTC
  std::int64_t created_at = 0;
  std::optional<std::int64_t> admitted_at;
  std::optional<std::int64_t> removed_at;
  // Not on the wire: the EHR reference of the practitioner a clinician
  // participant is ("Practitioner/3"), when the request or its clinician key
  // named one; the waiting room uses it to know who is already admitted.
  std::optional<std::string> practitioner;
  bool operator==(const Participant&) const = default;
};

void to_json(nlohmann::json& j, const Participant& v);
void from_json(const nlohmann::json& j, Participant& v);

}  // namespace wasl::domain
