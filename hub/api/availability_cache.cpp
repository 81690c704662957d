#include "hub/api/availability_cache.hpp"

#include <utility>

namespace wasl::api {

std::string AvailabilityCache::key_of(const sdk::SlotSearch& search) {
  return search.practitioner_id + "\n" + search.service_id + "\n" + std::to_string(search.from_ms) +
         "\n" + std::to_string(search.to_ms) + "\n" + std::to_string(search.limit);
}

std::optional<sdk::FreeSlots> AvailabilityCache::find(const std::string& facility_id,
                                                      const sdk::SlotSearch& search,
                                                      std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  auto facility = entries_.find(facility_id);
  if (facility == entries_.end()) return std::nullopt;
  auto entry = facility->second.find(key_of(search));
  if (entry == facility->second.end() || entry->second.expires_at_ms <= now_ms) {
    return std::nullopt;
  }
  return entry->second.slots;
}

void AvailabilityCache::store(const std::string& facility_id, const sdk::SlotSearch& search,
                              sdk::FreeSlots slots, std::int64_t expires_at_ms) {
  std::lock_guard lock(mutex_);
  if (size_ >= kMaxEntries) {
    entries_.clear();
    size_ = 0;
  }
  auto& slot = entries_[facility_id][key_of(search)];
  if (slot.expires_at_ms == 0) ++size_;
  slot = Entry{std::move(slots), expires_at_ms};
}

void AvailabilityCache::forget(const std::string& facility_id) {
  std::lock_guard lock(mutex_);
  auto facility = entries_.find(facility_id);
  if (facility == entries_.end()) return;
  size_ -= facility->second.size();
  entries_.erase(facility);
}

}  // namespace wasl::api
