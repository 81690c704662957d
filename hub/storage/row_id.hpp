// Row identifiers the workflow engine creates: 32 lowercase hex digits from a
// per-thread generator seeded by std::random_device. Thread-safe.
#pragma once

#include <string>

namespace wasl::storage {

std::string new_row_id();

}  // namespace wasl::storage
