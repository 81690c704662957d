#include "hub/object_store/stale_upload_sweep.hpp"

#include <spdlog/spdlog.h>

#include "hub/object_store/s3_object_store.hpp"

namespace wasl::object_store {

std::vector<StoreSweep> sweep_stale_uploads(const ObjectStores& stores, std::chrono::seconds age,
                                            std::chrono::system_clock::time_point now) {
  std::vector<StoreSweep> out;
  for (const std::string& name : stores.names()) {
    auto* s3 = dynamic_cast<S3ObjectStore*>(stores.find(name));
    if (s3 == nullptr) continue;
    StoreSweep sweep;
    sweep.store = name;
    auto done = s3->abort_stale_uploads(age, now);
    if (!done.ok()) {
      sweep.error = done.error().message;
      spdlog::warn("stale upload sweep: archive store '{}' could not be swept: {}", name,
                   sweep.error);
    } else {
      sweep.aborted = done->aborted;
      sweep.failed = done->failed;
      if (sweep.aborted + sweep.failed > 0) {
        spdlog::info(
            "stale upload sweep: archive store '{}': aborted {} upload(s) begun more than {} s "
            "ago; {} could not be aborted",
            name, sweep.aborted, age.count(), sweep.failed);
      }
    }
    out.push_back(std::move(sweep));
  }
  return out;
}

}  // namespace wasl::object_store
