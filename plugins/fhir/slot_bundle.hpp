// Reading an EHR's Slot search answers (a FHIR R4 searchset Bundle of Slot
// resources) within a fixed budget, whatever the EHR sends: at most
// kMaxSlotPageBytes of text, nested at most kMaxSlotPageDepth levels, at
// most kMaxSlotPageEntries entries. Only free Slots with a start before
// their end and a schedule reference are kept; anything else in an entry is
// skipped, never an error. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::fhir {

inline constexpr std::size_t kMaxSlotPageBytes = std::size_t{4} << 20;
inline constexpr int kMaxSlotPageDepth = 32;
inline constexpr std::size_t kMaxSlotPageEntries = 1000;

struct SlotPage {
  std::vector<sdk::FreeSlot> slots;  // in the Bundle's order; schedule_id set, actors not
  std::string next_url;              // Bundle.link[next], empty on the last page
};

// One page of a Slot search. kFailedPrecondition (not retryable) for a body
// over the budget or with more entries than kMaxSlotPageEntries;
// kUnavailable (retryable) for one that is not a Bundle.
sdk::Result<SlotPage> read_slot_page(std::string_view body);

// The free Slot `slot` as a FreeSlot (schedule_id from Slot.schedule), or
// false when it is not a free Slot with an id, a schedule and start < end.
bool read_free_slot(const nlohmann::json& slot, sdk::FreeSlot& out);

}  // namespace wasl::plugins::fhir
