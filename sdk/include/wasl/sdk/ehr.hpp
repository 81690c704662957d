// ehr.hpp: an electronic health record reached over FHIR R4 REST.
//
// Error contract for every method:
// - success: the value described;
// - retryable failure (network, 5xx, 429, timeout): Error with retryable = true;
// - permanent failure: kNotFound for an unknown or deleted resource (FHIR 404
//   or 410), kPermissionDenied/kUnauthenticated for 401/403, kInvalidArgument
//   for an OperationOutcome rejecting the request, kConflict for a version
//   conflict on update (412), each with retryable = false except kConflict.
// Writes take an idempotency key, which the plugin turns into a business
// identifier and a conditional create (If-None-Exist) so a repeat finds the
// first resource instead of creating a second. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::sdk {

class EhrConnector {
 public:
  virtual ~EhrConnector() = default;

  static constexpr std::string_view kReadPatient = "ehr.read_patient";
  static constexpr std::string_view kReadPractitioner = "ehr.read_practitioner";
  static constexpr std::string_view kReadAppointment = "ehr.read_appointment";
  static constexpr std::string_view kReadCoverage = "ehr.read_coverage";
  static constexpr std::string_view kUpdateAppointmentStatus = "ehr.update_appointment_status";
  static constexpr std::string_view kCreateEncounter = "ehr.create_encounter";
  static constexpr std::string_view kAttachDocument = "ehr.attach_document";
  static constexpr std::string_view kPublicKeys = "ehr.public_keys";  // SDK 1.7

  virtual Result<PatientSummary> read_patient(const ResourceRef& patient) = 0;
  virtual Result<PractitionerSummary> read_practitioner(const ResourceRef& practitioner) = 0;
  virtual Result<Appointment> read_appointment(const ResourceRef& appointment) = 0;

  // The coverage named, or the patient's active one; kNotFound when none.
  virtual Result<Coverage> read_coverage(const CoverageRequest& request) = 0;

  // Sets Appointment.status (e.g. "arrived", "fulfilled", "noshow"); setting
  // the status it already has succeeds.
  virtual Result<Appointment> update_appointment_status(const AppointmentStatusUpdate& update) = 0;

  // Creates the (virtual) Encounter for a consultation.
  virtual Result<ResourceCreated> create_encounter(const EncounterRequest& request) = 0;

  // Creates a DocumentReference (recording link, notes) on the patient/encounter.
  virtual Result<ResourceCreated> attach_document(const DocumentRequest& request) = 0;

  // SDK 1.7: the public keys this instance signs with (a SMART client
  // assertion key, and a previous one while the EHR may still hold it), as a
  // JWK Set of public members only. The hub publishes the union of every
  // instance's set at /.well-known/jwks.json, for EHRs that register a client
  // by its JWKS URL. The default answers an empty set: a connector that signs
  // nothing publishes nothing. Asked at hub start and on reload, not per call.
  virtual Result<PublicKeySet> public_keys() { return PublicKeySet{}; }

  // ---- SDK 1.10: the consultation's clinical record ----------------------------
  // Each writes one item the hub keeps (a signed note version, a
  // prescription, a vital sign) and answers the resource written (on a
  // repeat with the same idempotency key, the one written first). The
  // defaults answer kUnimplemented, not retryable, "not supported by this
  // EHR": a connector that cannot write a kind keeps loading and the hub's
  // step says so. Called after the consultation, never per request.
  static constexpr std::string_view kWriteNote = "ehr.write_note";
  static constexpr std::string_view kWriteMedicationRequest = "ehr.write_medication_request";
  static constexpr std::string_view kWriteVitalSigns = "ehr.write_vital_signs";

  virtual Result<ResourceCreated> write_note(const NoteWrite& note);
  // A request with status "cancelled" marks the resource written with the
  // same key cancelled (kNotFound when there is none).
  virtual Result<ResourceCreated> write_medication_request(const MedicationRequestWrite& request);
  virtual Result<ResourceCreated> write_vital_signs(const VitalSignWrite& vital);

  // ---- availability (SDK 1.10) ----
  static constexpr std::string_view kFindFreeSlots = "ehr.find_free_slots";
  static constexpr std::string_view kBookSlot = "ehr.book_slot";

  // The free slots the search names (types.hpp SlotSearch), earliest first.
  // kInvalidArgument for a search naming neither or both of practitioner
  // and service, or an empty window. The default: kUnimplemented, "not
  // supported by this EHR".
  virtual Result<FreeSlots> find_free_slots(const SlotSearch& /*search*/) {
    return unsupported(kFindFreeSlots);
  }

  // Books the slot atomically in the EHR: the Appointment and the slot's
  // move to busy commit together, conditional on the slot's version, so of
  // two concurrent bookings of one slot exactly one succeeds and the other
  // gets kConflict (retryable = false: the slot is taken). A repeat with the
  // same idempotency key answers the first booking (created = false).
  // kNotFound for an unknown slot. The default: kUnimplemented.
  virtual Result<BookedSlot> book_slot(const SlotBooking& /*booking*/) {
    return unsupported(kBookSlot);
  }

 protected:
  static Error unsupported(std::string_view method) {
    return Error(ErrorCode::kUnimplemented, std::string(method) + " is not supported by this EHR",
                 false);
  }
};

// The error a connector answers for a write it cannot make: kUnimplemented,
// not retryable, "<method> is not supported by this EHR".
inline Error not_supported_by_ehr(std::string_view method) {
  return Error(ErrorCode::kUnimplemented, std::string(method) + " is not supported by this EHR",
               false);
}
inline Result<ResourceCreated> EhrConnector::write_note(const NoteWrite&) {
  return not_supported_by_ehr(kWriteNote);
}
inline Result<ResourceCreated> EhrConnector::write_medication_request(
    const MedicationRequestWrite&) {
  return not_supported_by_ehr(kWriteMedicationRequest);
}
inline Result<ResourceCreated> EhrConnector::write_vital_signs(const VitalSignWrite&) {
  return not_supported_by_ehr(kWriteVitalSigns);
}

}  // namespace wasl::sdk
