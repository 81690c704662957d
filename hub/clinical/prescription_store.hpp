// PrescriptionStore: the prescriptions of consultations (prescriptions),
// what is prescribed and a cancellation's reason encrypted (details_enc,
// cancel_reason_enc, records::CellCipher). A prescription is never deleted.
//
// The caller's transaction and the caller's facility in every statement:
// another facility's prescription is kNotFound, exactly like a missing one.
// The caller checks that the consultation is the facility's and appends the
// audit event in the same transaction. Thread-safe; the cipher is borrowed
// and outlives the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/clinical/prescription.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

class PrescriptionStore {
 public:
  explicit PrescriptionStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // Inserts `p` as given (a new draft).
  sdk::Status insert(storage::Transaction& tx, const Prescription& p) const;

  sdk::Result<Prescription> get(storage::Transaction& tx, std::string_view facility_id,
                                std::string_view consultation_id,
                                std::string_view prescription_id) const;

  // The consultation's prescriptions, cancelled ones included, oldest first.
  sdk::Result<std::vector<Prescription>> list(storage::Transaction& tx,
                                              std::string_view facility_id,
                                              std::string_view consultation_id) const;

  // draft → signed (signed_at = now). kFailedPrecondition when it is signed
  // or cancelled.
  sdk::Result<Prescription> sign(storage::Transaction& tx, std::string_view facility_id,
                                 std::string_view consultation_id, std::string_view prescription_id,
                                 std::int64_t now_ms) const;

  // draft or signed → cancelled, with who cancelled it (an audit actor) and
  // why. kFailedPrecondition when it is cancelled already.
  sdk::Result<Prescription> cancel(storage::Transaction& tx, std::string_view facility_id,
                                   std::string_view consultation_id,
                                   std::string_view prescription_id, std::string_view by,
                                   std::string_view reason, std::int64_t now_ms) const;

 private:
  sdk::Result<Prescription> from_row(const storage::Row& row) const;

  const records::CellCipher& cipher_;
};

}  // namespace wasl::clinical
