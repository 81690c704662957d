// FacilityStore: the facilities table, which mirrors the facilities the
// configuration declares so rows of other tables can reference them.
//
// Works inside the caller's transaction; stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::access {

class FacilityStore {
 public:
  // Adds facility `id` named `name`, or renames it when its stored name
  // differs (updated_at = now_ms); an unchanged facility is not written.
  // Never deletes: a facility's data outlives its configuration. Storage
  // errors as the transaction reports them.
  static sdk::Status save(storage::Transaction& tx, std::string_view id, std::string_view name,
                          std::int64_t now_ms);

  // Whether facility `id` exists and is active (not suspended).
  static sdk::Result<bool> is_active(storage::Transaction& tx, std::string_view id);
};

}  // namespace wasl::access
