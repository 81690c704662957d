// EhrWriteStore: what of a consultation's clinical record was written to
// the EHR (clinical_ehr_writes): per note version, prescription and vital
// sign, the idempotency key claimed before the EHR call and the resource the
// EHR answered after it. No PHI.
//
// The caller's transaction and the caller's facility in every statement.
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

// What kind of item a row records: "note", "prescription", "observation".
enum class EhrItemKind { kNote, kPrescription, kObservation };
std::string_view to_string(EhrItemKind kind);

// A row's state: claimed (the call may have happened; the next attempt
// writes with the same key, which finds the first resource), written, or
// cancelled (a written prescription marked cancelled in the EHR, or one
// cancelled before the EHR held it: no resource).
enum class EhrWriteState { kClaimed, kWritten, kCancelled };
std::string_view to_string(EhrWriteState state);

struct EhrWrite {
  std::string facility_id;
  std::string consultation_id;
  EhrItemKind kind = EhrItemKind::kNote;
  std::string item_id;
  std::int64_t item_version = 1;
  std::string idempotency_key;
  std::string ehr_instance;
  EhrWriteState state = EhrWriteState::kClaimed;
  std::optional<std::string> resource_type;
  std::optional<std::string> resource_id;
  std::int64_t claimed_at = 0;
  std::optional<std::int64_t> written_at;
};

class EhrWriteStore {
 public:
  // The consultation's rows, in no particular order.
  sdk::Result<std::vector<EhrWrite>> list(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view consultation_id) const;

  // Inserts `write` in state claimed unless its item version has a row;
  // answers the row as it now is (the existing one, whatever its state).
  sdk::Result<EhrWrite> claim(storage::Transaction& tx, const EhrWrite& write) const;

  // Moves the item version's row to `state` with the resource the EHR
  // answered (none for a cancellation the EHR never held). kNotFound when it
  // has no row.
  sdk::Status settle(storage::Transaction& tx, const EhrWrite& write, EhrWriteState state,
                     const std::optional<std::string>& resource_type,
                     const std::optional<std::string>& resource_id, std::int64_t now_ms) const;

 private:
  sdk::Result<std::optional<EhrWrite>> find(storage::Transaction& tx, const EhrWrite& key) const;
};

}  // namespace wasl::clinical
