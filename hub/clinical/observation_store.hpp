// ObservationStore: the vital signs reported in consultations
// (vital_observations), the measured values encrypted (value_enc,
// records::CellCipher). An observation is written once and never changed.
//
// The caller's transaction and the caller's facility in every statement:
// another facility's observation is kNotFound, exactly like a missing one.
// The caller checks that the consultation is the facility's and appends the
// audit event in the same transaction. Thread-safe; the cipher is borrowed
// and outlives the store.
#pragma once

#include <string_view>
#include <vector>

#include "hub/clinical/vital_sign.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

class ObservationStore {
 public:
  explicit ObservationStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  sdk::Status insert(storage::Transaction& tx, const VitalObservation& o) const;

  sdk::Result<VitalObservation> get(storage::Transaction& tx, std::string_view facility_id,
                                    std::string_view consultation_id,
                                    std::string_view observation_id) const;

  // The consultation's observations, in the order they were measured.
  sdk::Result<std::vector<VitalObservation>> list(storage::Transaction& tx,
                                                  std::string_view facility_id,
                                                  std::string_view consultation_id) const;

 private:
  sdk::Result<VitalObservation> from_row(const storage::Row& row) const;

  const records::CellCipher& cipher_;
};

}  // namespace wasl::clinical
