// What /readyz shows of the archive's object stores: the active one (where
// new recordings go) with its state and last error, and every configured
// store the same way. A store's state is what its last request showed
// (StoreMonitor): "up", "down", or "unknown" before any request; the local
// store reports only its kind (its failures are the disk's, and show in the
// archive steps' errors).
//
//   {"active": "ceph", "kind": "s3", "state": "down",
//    "last_error": "upload_part: no answer (unavailable)",
//    "last_error_at": "2026-11-27T10:31:02.114Z",
//    "stores": {"local": {"kind": "local"}, "ceph": {"kind": "s3", "state": …}}}
#pragma once

#include <nlohmann/json.hpp>

#include "hub/object_store/object_stores.hpp"

namespace wasl::object_store {

nlohmann::json stores_health(const ObjectStores& stores);

}  // namespace wasl::object_store
