#include "tests/integration/consultation/consultation_participants.hpp"

#include <gtest/gtest.h>

namespace wasl::testing {
namespace {

// The provider's room named by a join: the provider's own answer first (a
// Chime meeting recreated after expiry), else the consultation's room.
std::string room_of(const nlohmann::json& join) {
  if (join.contains("provider") && join["provider"].is_object()) {
    std::string own = join["provider"].value("room_id", std::string());
    if (!own.empty()) return own;
  }
  return join.value("room_id", std::string());
}

}  // namespace

ConsultationParticipants admit_doctor_and_patient(ConsultationHub& hub, const std::string& id) {
  ConsultationParticipants out;
  const HubApiClient front_desk = hub.client("hospital");
  const HubApiClient clinician = hub.client("clinician");
  const std::string participants = "/v1/consultations/" + id + "/participants";

  // The doctor's own application adds her: a clinician key's clinician is
  // admitted at once (a hospital key's would wait like anyone else).
  ApiAnswer doctor = clinician.post(
      participants, {{"role", "doctor"}, {"display_name", "Dr Noura Test"}}, id + "/doctor");
  EXPECT_EQ(doctor.status, 201) << doctor.body;
  if (doctor.status != 201 || !doctor.json.contains("join")) {
    ADD_FAILURE() << "the doctor was not admitted with a join token: " << doctor.body;
    return out;
  }
  out.room_id = room_of(doctor.json["join"]);
  const std::string doctor_id = doctor.json.value("id", std::string());
  out.joined.push_back({doctor_id, "doctor", doctor.json["join"]});

  ApiAnswer patient = front_desk.post(
      participants, {{"role", "patient"}, {"display_name", "سارة المريضة"}}, id + "/patient");
  EXPECT_EQ(patient.status, 201) << patient.body;
  out.patient_before_admission = patient.json;
  const std::string patient_id = patient.json.value("id", std::string());
  if (patient_id.empty()) return out;

  ApiAnswer admitted =
      clinician.post(participants + "/" + patient_id + "/admit", nlohmann::json::object());
  EXPECT_EQ(admitted.status, 200) << admitted.body;
  if (!admitted.json.contains("join")) {
    ADD_FAILURE() << "the admitted patient got no join token: " << admitted.body;
    return out;
  }
  EXPECT_EQ(room_of(admitted.json["join"]), out.room_id) << admitted.body;
  out.joined.push_back({patient_id, "patient", admitted.json["join"]});
  return out;
}

}  // namespace wasl::testing
