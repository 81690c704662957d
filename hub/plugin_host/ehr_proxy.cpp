#include "hub/plugin_host/ehr_proxy.hpp"

#include "hub/plugin_host/typed_call.hpp"

namespace wasl::plugin_host {

using E = sdk::EhrConnector;

sdk::Result<sdk::PatientSummary> EhrProxy::read_patient(const sdk::ResourceRef& patient) {
  return typed_call<sdk::PatientSummary>(*instance_, E::kReadPatient, patient);
}
sdk::Result<sdk::PractitionerSummary> EhrProxy::read_practitioner(
    const sdk::ResourceRef& practitioner) {
  return typed_call<sdk::PractitionerSummary>(*instance_, E::kReadPractitioner, practitioner);
}
sdk::Result<sdk::Appointment> EhrProxy::read_appointment(const sdk::ResourceRef& appointment) {
  return typed_call<sdk::Appointment>(*instance_, E::kReadAppointment, appointment);
}
sdk::Result<sdk::Coverage> EhrProxy::read_coverage(const sdk::CoverageRequest& request) {
  return typed_call<sdk::Coverage>(*instance_, E::kReadCoverage, request);
}
sdk::Result<sdk::Appointment> EhrProxy::update_appointment_status(
    const sdk::AppointmentStatusUpdate& update) {
  return typed_call<sdk::Appointment>(*instance_, E::kUpdateAppointmentStatus, update);
}
sdk::Result<sdk::ResourceCreated> EhrProxy::create_encounter(const sdk::EncounterRequest& request) {
  return typed_call<sdk::ResourceCreated>(*instance_, E::kCreateEncounter, request);
}
sdk::Result<sdk::ResourceCreated> EhrProxy::attach_document(const sdk::DocumentRequest& request) {
  return typed_call<sdk::ResourceCreated>(*instance_, E::kAttachDocument, request);
}

sdk::Result<sdk::PublicKeySet> EhrProxy::public_keys() {
  if (WASL_ABI_MINOR_OF(instance_->library().abi_version()) < 7) return sdk::PublicKeySet{};
  return typed_call<sdk::PublicKeySet>(*instance_, E::kPublicKeys, nlohmann::json::object());
}

template <typename Request>
sdk::Result<sdk::ResourceCreated> EhrProxy::clinical_write(std::string_view method,
                                                           const Request& request) {
  const auto minor = WASL_ABI_MINOR_OF(instance_->library().abi_version());
  if (minor < 10) {
    sdk::Error error = sdk::not_supported_by_ehr(method);
    error.message = instance_->name() + ": " + error.message + " (its plugin is built for SDK 1." +
                    std::to_string(minor) + ", which has no such write)";
    return error;
  }
  return typed_call<sdk::ResourceCreated>(*instance_, method, request);
}

sdk::Result<sdk::ResourceCreated> EhrProxy::write_note(const sdk::NoteWrite& note) {
  return clinical_write(E::kWriteNote, note);
}
sdk::Result<sdk::ResourceCreated> EhrProxy::write_medication_request(
    const sdk::MedicationRequestWrite& request) {
  return clinical_write(E::kWriteMedicationRequest, request);
}
sdk::Result<sdk::ResourceCreated> EhrProxy::write_vital_signs(const sdk::VitalSignWrite& vital) {
  return clinical_write(E::kWriteVitalSigns, vital);
}

sdk::Result<sdk::FreeSlots> EhrProxy::find_free_slots(const sdk::SlotSearch& search) {
  if (WASL_ABI_MINOR_OF(instance_->library().abi_version()) < 10) {
    return unsupported(E::kFindFreeSlots);
  }
  return typed_call<sdk::FreeSlots>(*instance_, E::kFindFreeSlots, search);
}
sdk::Result<sdk::BookedSlot> EhrProxy::book_slot(const sdk::SlotBooking& booking) {
  if (WASL_ABI_MINOR_OF(instance_->library().abi_version()) < 10) return unsupported(E::kBookSlot);
  return typed_call<sdk::BookedSlot>(*instance_, E::kBookSlot, booking);
}

}  // namespace wasl::plugin_host
