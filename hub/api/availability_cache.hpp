// AvailabilityCache: free slots read from a facility's EHR, kept for a few
// seconds, so a booking screen refreshing itself does not ask the EHR each
// time. An entry is keyed by the facility and the search; it answers until
// its time is up (by the caller's clock) or the facility's entries are
// forgotten (a booking through the hub). At most kMaxEntries entries; a
// store into a full cache empties it first. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "wasl/sdk/types.hpp"

namespace wasl::api {

class AvailabilityCache {
 public:
  static constexpr std::size_t kMaxEntries = 1024;

  // The slots stored for (facility, search) when they are younger than
  // their time to live at `now_ms`.
  std::optional<sdk::FreeSlots> find(const std::string& facility_id, const sdk::SlotSearch& search,
                                     std::int64_t now_ms) const;
  // Keeps `slots` for (facility, search) until `expires_at_ms`.
  void store(const std::string& facility_id, const sdk::SlotSearch& search, sdk::FreeSlots slots,
             std::int64_t expires_at_ms);
  // Forgets every entry of the facility.
  void forget(const std::string& facility_id);

 private:
  struct Entry {
    sdk::FreeSlots slots;
    std::int64_t expires_at_ms = 0;
  };
  static std::string key_of(const sdk::SlotSearch& search);

  mutable std::mutex mutex_;
  // facility -> search key -> entry
  std::map<std::string, std::map<std::string, Entry>> entries_;
  std::size_t size_ = 0;
};

}  // namespace wasl::api
