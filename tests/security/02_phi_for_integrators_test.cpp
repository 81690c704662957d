// Point 2: an integrator never reads PHI in clear. Facility B's integrator
// reads B's own consultations (one booked with the patient's summary in the
// request) and their timelines, one of a workflow B deployed that copies the
// patient's name from the EHR into the inputs of another step: neither the
// patient's name nor her national id appears, while B's clinician still
// reads the patient's summary.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;

// The FHIR peer's demo patient (tests/peers/fhir/src/fixtures.js).
constexpr const char* kGivenName = "فاطمة";
constexpr const char* kFamilyName = "الزهراني";
constexpr const char* kNationalId = "1098765432";

void expect_no_patient_data(const ApiAnswer& answer, const std::string& what) {
  EXPECT_EQ(answer.status, 200) << what << ": " << answer.body;
  for (const char* value : {kGivenName, kFamilyName, kNationalId}) {
    EXPECT_EQ(answer.body.find(value), std::string::npos) << what << " shows " << value << ":\n"
                                                          << answer.body;
  }
}

constexpr const char* kCopier = R"(name: copier
version: 1
trigger:
  kind: api
steps:
  - id: appointment
    call: ehr.read_appointment
    with:
      id: ${trigger.appointment_id}
  - id: patient
    call: ehr.read_patient
    with:
      id: ${steps.appointment.output.patient_id}
  - id: copy
    call: hub.describe_consultation
    with:
      specialty: ${steps.patient.output.given_name}
      service_type: ${steps.patient.output.family_name}
)";

TEST(PhiForIntegrators, AnIntegratorReadsNoPatientDataAnywhere) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string booked = s.book(SecurityHub::kB, "sec-02-b");
  ASSERT_FALSE(booked.empty());
  HubApiClient hospital = s.client(SecurityHub::kB, "hospital");
  ASSERT_EQ(s.hub().wait_for_status(hospital, booked, {"waiting_room"}, 60s), "waiting_room")
      << s.hub().timeline(s.client(SecurityHub::kB, "admin"), booked);

  ApiAnswer deployed = s.deploy(SecurityHub::kB, "copier", kCopier);
  ASSERT_TRUE(deployed.status == 200 || deployed.status == 201) << deployed.body;
  // The hospital sends the patient's summary with the booking too.
  const nlohmann::json patient = {
      {"id", "fatimah-alzahrani"},
      {"name", std::string(kGivenName) + " " + kFamilyName},
      {"identifiers", {{{"kind", "national_id"}, {"value", kNationalId}}}},
      {"phone", "+966500000002"}};
  // An appointment of its own in the EHR (one live consultation per
  // appointment): a copy of the first, the same patient and doctor.
  auto first = s.hub().fhir_peer()->read("Appointment/sec-02-b");
  ASSERT_TRUE(first.ok()) << first.error().message;
  nlohmann::json second = *first;
  second["id"] = "sec-02-c";
  second.erase("meta");
  auto stored = s.hub().fhir_peer()->seed({}, nlohmann::json::array({second}));
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  const std::string copied =
      s.start(SecurityHub::kB, "copier", {{"appointment_id", "sec-02-c"}, {"patient", patient}});
  ASSERT_FALSE(copied.empty());
  nlohmann::json run = s.wait_for_run_end(SecurityHub::kB, copied, 60s);
  ASSERT_EQ(run.value("status", std::string()), "succeeded") << run.dump(2);

  HubApiClient integrator = s.client(SecurityHub::kB, "integrator");
  expect_no_patient_data(integrator.get("/v1/consultations/" + booked), "the consultation");
  expect_no_patient_data(integrator.get("/v1/consultations/" + copied),
                         "the consultation booked with a summary");
  expect_no_patient_data(integrator.get("/v1/consultations?limit=200"), "the listing");
  expect_no_patient_data(integrator.get("/v1/consultations/" + booked + "/timeline"),
                         "the booked run's timeline");
  expect_no_patient_data(integrator.get("/v1/consultations/" + copied + "/timeline"),
                         "the copying run's timeline");

  // The clinical roles still read what they need.
  ApiAnswer clinical = s.client(SecurityHub::kB, "clinician").get("/v1/consultations/" + copied);
  ASSERT_EQ(clinical.status, 200) << clinical.body;
  EXPECT_NE(clinical.body.find(kNationalId), std::string::npos) << clinical.body;
}

}  // namespace
}  // namespace wasl::testing
