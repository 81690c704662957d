// FhirEhrConnector: EhrConnector over a FHIR R4 server (ehr.hpp's error
// contract; resource_mapping.hpp's summaries). Reads Patient, Practitioner,
// Appointment and Coverage by id, and the patient's active Coverage by
// search (Coverage?beneficiary=Patient/<id>&status=active, every page).
// Writes Encounter and DocumentReference (writes.hpp) by conditional create
// on the business identifier made from the idempotency key, and sets an
// Appointment's status with If-Match on the version read, re-reading once
// on 412. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "plugins/fhir/fhir_client.hpp"
#include "wasl/sdk/ehr.hpp"

namespace wasl::plugins::fhir {

class FhirEhrConnector final : public sdk::EhrConnector {
 public:
  // `host` outlives the connector.
  FhirEhrConnector(sdk::Host& host, FhirSettings settings);

  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef& patient) override;
  sdk::Result<sdk::PractitionerSummary> read_practitioner(
      const sdk::ResourceRef& practitioner) override;
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef& appointment) override;
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest& request) override;
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate& update) override;
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest& request) override;
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest& request) override;
  // auth smart: the client assertion key's public half (kid key_id), then
  // previous_public_keys; otherwise none.
  sdk::Result<sdk::PublicKeySet> public_keys() override;
  // SDK 1.10. The schedules: Schedule?actor=Practitioner/<id>, or for a
  // service Schedule?actor=HealthcareService/<id> and those of the
  // practitioners its PractitionerRoles name (at most kMaxSchedules); then
  // Slot?schedule=…&status=free&start=ge<from>&start=lt<to>, every page read
  // through slot_bundle.hpp's budget, at most kMaxSlotsRead slots in all.
  sdk::Result<sdk::FreeSlots> find_free_slots(const sdk::SlotSearch& search) override;
  // SDK 1.10. An earlier booking under the key (Appointment?identifier=…)
  // answers itself; otherwise the Slot is read (not free: kConflict), and one
  // transaction Bundle creates the Appointment (If-None-Exist on its
  // identifier) and PUTs the Slot busy with If-Match on the version read. A
  // 412 answers kConflict, not retryable: the slot is taken.
  sdk::Result<sdk::BookedSlot> book_slot(const sdk::SlotBooking& booking) override;

  static constexpr std::size_t kMaxSchedules = 100;
  static constexpr std::size_t kMaxSlotsRead = 2000;

  // SDK 1.10 (clinical_writes.hpp): conditional creates keyed on the
  // idempotency key. A note is a DocumentReference, or a Composition when
  // note_resource says so. A cancelled MedicationRequest finds the one
  // written with the same key (identifier search), and updates its status
  // with If-Match; kNotFound when none was written.
  sdk::Result<sdk::ResourceCreated> write_note(const sdk::NoteWrite& note) override;
  sdk::Result<sdk::ResourceCreated> write_medication_request(
      const sdk::MedicationRequestWrite& request) override;
  sdk::Result<sdk::ResourceCreated> write_vital_signs(const sdk::VitalSignWrite& vital) override;

  // GET metadata: the CapabilityStatement's fhirVersion must be R4 (4.0.x).
  // kFailedPrecondition (permanent) with a sentence naming the instance and
  // the version for any other, or none; the server's own errors as usual
  // (an unreachable server is retryable).
  sdk::Status check_fhir_version();

 private:
  sdk::Result<sdk::ResourceCreated> create(const nlohmann::json& resource,
                                           const std::string& idempotency_key);
  sdk::Error named(sdk::Error error) const;
  // Adds the schedules of `actor` ("Practitioner/x") to `into` (id -> slot
  // with its practitioner and service filled), up to kMaxSchedules.
  sdk::Status add_schedules(const std::string& actor, std::map<std::string, sdk::FreeSlot>& into);

  sdk::Host& host_;
  FhirClient client_;
};

}  // namespace wasl::plugins::fhir
