// PatientContact: how to reach a consultation's patient, kept for the
// messages of that consultation (notification_contacts).
//
// Where it comes from: the run's own ehr.read_patient. The notifications
// feature observes that method (HubActions::observe): when a run of a
// facility with notifications reads the patient its consultation names,
// the e-mail address, phone number, language and the blind indexes of the
// patient's identifiers are stored for the consultation in the transaction
// that records the step's result. So every message of the consultation,
// whoever queues it (the workflow, the EHR's cancellation, an admission),
// goes to what the EHR answered the run, with no second read of the
// patient from the EHR; the EHR need not be reachable when a reminder is
// due, and no plugin is called inside a transaction. A consultation booked
// through POST /v1/consultations with a patient summary (phone, e-mail,
// identifiers) is reached by that when no read stored a contact.
//
// The e-mail address and phone are PHI: encrypted through
// records::CellCipher (contact_enc). The language is the EHR's BCP 47 tag;
// the identifiers are kept only as blind indexes (an opt-out is found by
// them: opt_out_store.hpp).
//
// Thread-safe: holds only a borrowed CellCipher.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::notifications {

struct PatientContact {
  std::string email;     // empty: none
  std::string phone;     // E.164 when the EHR's number could be read as one; empty: none
  std::string language;  // BCP 47 as given; empty: unknown
  // Blind indexes of the patient's identifiers (patient_indexes()).
  std::vector<std::string> patient_indexes;
};

// The blind indexes an identifier value is found by: as a national id or
// iqama when it reads as one, and as an MRN when it is not empty.
std::vector<std::string> patient_indexes(const records::CellCipher& cipher,
                                         std::string_view identifier);

// The contact an EHR's patient summary gives.
PatientContact contact_of(const records::CellCipher& cipher, const sdk::PatientSummary& patient);
// The contact a consultation's own patient summary gives (POST
// /v1/consultations); nullopt when it has none.
std::optional<PatientContact> contact_of(const records::CellCipher& cipher,
                                         const domain::Consultation& consultation);

class ContactStore {
 public:
  explicit ContactStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // Stores (or replaces) the consultation's contact.
  sdk::Status put(storage::Transaction& tx, std::string_view facility_id,
                  std::string_view consultation_id, const PatientContact& contact,
                  std::int64_t now_ms) const;
  // The consultation's stored contact, decrypted; nullopt when none.
  sdk::Result<std::optional<PatientContact>> get(storage::Transaction& tx,
                                                 std::string_view facility_id,
                                                 std::string_view consultation_id) const;

 private:
  const records::CellCipher& cipher_;
};

// The StepObserver body for ehr.read_patient (see the file comment): stores
// the contact when the run's facility sends notifications and the patient
// read is the consultation's (or the consultation names none), audited
// notification_contact.record by "workflow:<run id>" (`audit` null: not
// audited, tests only). A failed read, a run without a consultation, an
// answer that is not a patient change nothing.
sdk::Status record_patient_contact(const config::Config& config, const records::CellCipher& cipher,
                                   const audit::AuditWriter* audit,
                                   const workflow::HubActionContext& ctx,
                                   const nlohmann::json& input,
                                   const sdk::Result<nlohmann::json>& result);

}  // namespace wasl::notifications
