// The consultation's clinical record written to the EHR: three standalone
// hub actions, one per kind, so a workflow writes each as its own retried
// step and one refused resource does not keep the others from the record:
//
//   hub.write_notes_to_ehr          the latest signed version of each note
//                                   (ehr.write_note); an amendment replaces
//                                   the version written before it;
//   hub.write_prescriptions_to_ehr  each signed prescription
//                                   (ehr.write_medication_request); a
//                                   cancelled one is marked cancelled when it
//                                   was written, and not written otherwise;
//   hub.write_vitals_to_ehr         each vital sign (ehr.write_vital_signs).
//
// Input: patient_id (the EHR's), encounter_id (optional). The EHR instance
// is the run's "ehr" binding (the host decides, never the step). For each
// item version the action claims its row in clinical_ehr_writes (the
// idempotency key, derived from the item id and version) in a transaction
// of its own before the call, and records the resource and an audit event
// ("ehr.write", no PHI in its detail) in the transaction after it: a rerun,
// after a crash at any point, writes nothing twice (a claimed row is
// written again with the same key, which the EHR's conditional create
// answers with the first resource).
//
// Output: {"written", "unchanged", "refused"} counts and "items" (kind,
// id, version, resource_type, resource_id): no PHI. An item the EHR
// refuses does not stop the others; the step then fails, retryable when
// every refusal was, with the first refusal's message ("... is not
// supported by this EHR" for a plugin without the write).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

inline constexpr std::string_view kWriteNotesAction = "hub.write_notes_to_ehr";
inline constexpr std::string_view kWritePrescriptionsAction = "hub.write_prescriptions_to_ehr";
inline constexpr std::string_view kWriteVitalsAction = "hub.write_vitals_to_ehr";

struct ClinicalEhrServices {
  const records::CellCipher* cipher = nullptr;  // outlives the actions
  const audit::AuditWriter* audit = nullptr;    // outlives the actions
  // The EHR connector of a plugin instance (PluginHost::ehr).
  std::function<sdk::Result<std::shared_ptr<sdk::EhrConnector>>(const std::string& instance)>
      ehr_of;
};

// Registers the three actions (kStandalone). Errors from HubActions::add.
sdk::Status add_clinical_ehr_writes(workflow::HubActions& actions, ClinicalEhrServices services);

}  // namespace wasl::clinical
