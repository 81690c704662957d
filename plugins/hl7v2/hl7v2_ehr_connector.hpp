// Hl7v2EhrConnector: the ehr capability of the HL7 v2 plugin. Reads and
// appointment status updates are answered from what the feed kept
// (EhrReads); create_encounter, attach_document and write_note send an
// MDM^T02 (mdm.hpp), write_vital_signs an ORU^R01 (oru.hpp), to the HIS
// over MLLP (mllp_client.hpp).
//
// Writes: with settings outbound.host empty, kFailedPrecondition naming the
// setting. Otherwise the instance state keeps, under "outbound/<MSH-10>",
// when the message was first sent and whether the HIS acknowledged it: a
// retry sends the same bytes again, and a write already acknowledged answers
// its ResourceCreated (created = false) without sending. Errors are
// mllp_exchange's and read_outbound_ack's (outbound.hpp). Thread-safe.
#pragma once

#include <optional>

#include "plugins/hl7v2/ehr_reads.hpp"
#include "plugins/hl7v2/mdm.hpp"
#include "plugins/hl7v2/settings.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/host.hpp"

namespace wasl::plugins::hl7v2 {

class Hl7v2EhrConnector final : public sdk::EhrConnector {
 public:
  // `host` outlives the connector.
  Hl7v2EhrConnector(sdk::Host& host, Hl7v2Settings settings);

  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef& patient) override;
  sdk::Result<sdk::PractitionerSummary> read_practitioner(
      const sdk::ResourceRef& practitioner) override;
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef& appointment) override;
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest& request) override;
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate& update) override;
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest& request) override;
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest& request) override;
  // SDK 1.10: a signed note as an MDM^T02 (TXA type CN, consult note;
  // the text as OBX TX lines), sent and acknowledged as attach_document's.
  // Prescriptions are not sent over HL7 v2 (no RDE^O11): kUnimplemented,
  // not retryable, saying so.
  sdk::Result<sdk::ResourceCreated> write_note(const sdk::NoteWrite& note) override;
  sdk::Result<sdk::ResourceCreated> write_medication_request(
      const sdk::MedicationRequestWrite& request) override;
  // SDK 1.10: one vital sign as an ORU^R01 (oru.hpp; blood pressure as the
  // panel with its two components), sent and acknowledged as
  // attach_document's, keyed on its idempotency key. ResourceCreated: id
  // OBR-3, resource_type "ORU^R01". kInvalidArgument (not retryable) for
  // no idempotency key or patient, and check_vital_sign's errors, before
  // anything is sent or recorded.
  sdk::Result<sdk::ResourceCreated> write_vital_signs(const sdk::VitalSignWrite& vital) override;

 private:
  // The patient as the feed delivered it; std::nullopt when it did not.
  sdk::Result<std::optional<sdk::PatientSummary>> known_patient(const std::string& id);
  // Whether writing back is configured; the error says which setting.
  sdk::Status check_outbound(std::string_view method) const;
  // When the write `control_id` was first sent (now, recorded, if never),
  // and whether the HIS already acknowledged it.
  struct Attempt {
    std::int64_t sent_at_ms = 0;
    bool acknowledged = false;
  };
  sdk::Result<Attempt> attempt(const std::string& control_id);
  // Sends `text`, the `kind` ("MDM", "ORU") message `control_id`, reads
  // the acknowledgement (naming `resource_id` the resource created),
  // records it.
  sdk::Result<sdk::ResourceCreated> send(std::string_view kind, const std::string& control_id,
                                         const std::string& resource_id, const std::string& text);

  sdk::Host& host_;
  const Hl7v2Settings settings_;
  EhrReads reads_;
};

}  // namespace wasl::plugins::hl7v2
