// OptOutStore: the facility's patients who asked to be sent no messages
// (notification_opt_outs). A patient is named by one of their identifiers
// (national id or iqama, else an MRN), kept only as its blind index
// (records::CellCipher::blind_index): as a national id when the value reads
// as one, else as an MRN, the same rule patient_indexes() applies to the
// identifiers a contact holds, so an opt-out recorded by any of a patient's
// identifiers matches their messages. The identifier itself is never
// stored nor echoed.
//
// Every statement filters on the caller's facility: another facility's
// opt-out is not found. The callers audit each change (the API's
// notification_opt_out.put / .delete) in the transaction that makes it.
//
// Thread-safe: holds only a borrowed CellCipher.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::notifications {

struct OptOut {
  std::string id;
  std::string facility_id;
  std::int64_t created_at = 0;
};

class OptOutStore {
 public:
  explicit OptOutStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // The index an opt-out by `identifier` is kept under; kInvalidArgument
  // (never quoting it) when it is empty or longer than 64 bytes.
  sdk::Result<std::string> index_of(std::string_view identifier) const;

  // Records the opt-out (id set by the caller) unless the patient has one;
  // answers the one in force and whether this call made it.
  sdk::Result<std::pair<OptOut, bool>> put(storage::Transaction& tx, std::string_view facility_id,
                                           std::string_view identifier, const std::string& id,
                                           std::int64_t now_ms) const;
  // The patient's opt-out, if any.
  sdk::Result<std::optional<OptOut>> find(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view identifier) const;
  // Removes the patient's opt-out; answers the one removed, nullopt when none.
  sdk::Result<std::optional<OptOut>> remove(storage::Transaction& tx, std::string_view facility_id,
                                            std::string_view identifier) const;

  // Whether any of `indexes` (patient_indexes()) has opted out.
  static sdk::Result<bool> any(storage::Transaction& tx, std::string_view facility_id,
                               const std::vector<std::string>& indexes);

 private:
  const records::CellCipher& cipher_;
};

}  // namespace wasl::notifications
