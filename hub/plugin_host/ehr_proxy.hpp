// EhrProxy: the hub's EhrConnector for a plugin instance, calling through the C ABI. Thread-safe;
// keeps the instance (and so its library) alive.
#pragma once

#include <memory>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/ehr.hpp"

namespace wasl::plugin_host {

class EhrProxy final : public sdk::EhrConnector {
 public:
  explicit EhrProxy(std::shared_ptr<PluginInstance> instance) : instance_(std::move(instance)) {}

  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef& patient) override;
  sdk::Result<sdk::PractitionerSummary> read_practitioner(
      const sdk::ResourceRef& practitioner) override;
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef& appointment) override;
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest& request) override;
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate& update) override;
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest& request) override;
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest& request) override;
  // A plugin built for SDK 1.6 or older has no such method: an empty set,
  // without a call.
  sdk::Result<sdk::PublicKeySet> public_keys() override;
  // SDK 1.10 writes. A plugin built for SDK 1.9 or older has none of them:
  // kUnimplemented, not retryable, "<instance>: <method> is not supported by
  // this EHR (plugin built for SDK 1.<minor>)", without a call.
  sdk::Result<sdk::ResourceCreated> write_note(const sdk::NoteWrite& note) override;
  sdk::Result<sdk::ResourceCreated> write_medication_request(
      const sdk::MedicationRequestWrite& request) override;
  sdk::Result<sdk::ResourceCreated> write_vital_signs(const sdk::VitalSignWrite& vital) override;
  // SDK 1.10 availability. A plugin built for SDK 1.9 or older has neither:
  // kUnimplemented, "not supported by this EHR", without a call.
  sdk::Result<sdk::FreeSlots> find_free_slots(const sdk::SlotSearch& search) override;
  sdk::Result<sdk::BookedSlot> book_slot(const sdk::SlotBooking& booking) override;

 private:
  template <typename Request>
  sdk::Result<sdk::ResourceCreated> clinical_write(std::string_view method, const Request& request);

  std::shared_ptr<PluginInstance> instance_;
};

}  // namespace wasl::plugin_host
