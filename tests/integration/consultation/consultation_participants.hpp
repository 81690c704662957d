// ConsultationParticipants: a doctor and a patient joining a consultation
// through the hub's API, as the hospital's front end does: the doctor is
// added (and admitted at once, with a join token); the patient is added to
// the waiting room without a token and gets one only when a clinician admits
// them. Provider-neutral: the room id and tokens are whatever the facility's
// video instance issued. A test double's tool: never shipped.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/consultation/consultation_hub.hpp"

namespace wasl::testing {

struct JoinedParticipant {
  std::string id;       // the hub's participant id (the provider identity)
  std::string role;     // doctor, patient
  nlohmann::json join;  // the "join" member the hub answered (token, room_id, provider, …)
};

struct ConsultationParticipants {
  std::string room_id;  // the provider's room of the join tokens
  std::vector<JoinedParticipant> joined;
  // The patient as first added (status waiting, no "join"), for assertions.
  nlohmann::json patient_before_admission;
};

// Adds the doctor and the patient to consultation `id` and admits the
// patient; records failures as test failures. Idempotency keys derive from
// `id`, so a repeat after a restart replays the same answers.
ConsultationParticipants admit_doctor_and_patient(ConsultationHub& hub, const std::string& id);

}  // namespace wasl::testing
