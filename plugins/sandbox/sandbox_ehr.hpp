// SandboxEhr: a stand-in EHR for the sandbox run and end-to-end tests — not a
// FHIR client. Reads answer demo records (demo_records.hpp); an appointment's
// start is when the sandbox first read its id (kept in the state file, so it
// is stable across calls and restarts) plus appointment_start_offset_seconds.
// Writes are recorded in the state file once per idempotency key (StateFile)
// and a repeat answers the same ids.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "plugins/sandbox/settings.hpp"
#include "plugins/sandbox/state_file.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/host.hpp"

namespace wasl::plugins::sandbox {

class SandboxEhr final : public sdk::EhrConnector {
 public:
  // `host` outlives this object.
  SandboxEhr(sdk::Host& host, SandboxSettings settings, std::unique_ptr<StateFile> state);

  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef& patient) override;
  sdk::Result<sdk::PractitionerSummary> read_practitioner(
      const sdk::ResourceRef& practitioner) override;
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef& appointment) override;
  // kNotFound when the settings say coverage: false.
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest& request) override;
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate& update) override;
  // Ids "sandbox-encounter-<n>".
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest& request) override;
  // Ids "sandbox-document-<n>".
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest& request) override;

 private:
  // The demo appointment of a stored row, its start shifted by the settings.
  sdk::Appointment appointment_of(const AppointmentRow& row) const;
  // One recorded create under `key`, answering id `id_prefix` + a sequence number.
  sdk::Result<sdk::ResourceCreated> create_resource(std::string_view method,
                                                    const std::string& key,
                                                    std::string_view id_prefix);

  sdk::Host& host_;
  const SandboxSettings settings_;
  std::unique_ptr<StateFile> state_;
};

}  // namespace wasl::plugins::sandbox
