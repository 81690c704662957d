// The stale-upload sweep: frees the parts of multipart uploads a hub left
// behind (killed mid-upload, or an abort that failed) in every S3 store of
// the deployment. The store bills and keeps those parts until the upload is
// aborted, and a bucket's lifecycle rule cannot be assumed.
//
// An upload is stale once it is older than `age`, which must be longer than
// any archive step can run: a younger upload may be another hub's live one.
// The app runs the sweep every archive.retention_interval with
// archive.stale_upload_age.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "hub/object_store/object_stores.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::object_store {

// What one S3 store's sweep did.
struct StoreSweep {
  std::string store;
  int aborted = 0;
  int failed = 0;     // uploads whose abort failed (logged; tried again next time)
  std::string error;  // the listing itself failed: why (the store is skipped)
};

// Sweeps every S3 store of `stores` (the local store has no uploads), each
// on its own: a store that cannot be listed does not stop the others. Logs
// what each aborted. Returns one entry per S3 store.
std::vector<StoreSweep> sweep_stale_uploads(const ObjectStores& stores, std::chrono::seconds age,
                                            std::chrono::system_clock::time_point now);

}  // namespace wasl::object_store
