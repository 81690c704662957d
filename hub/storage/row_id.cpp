#include "hub/storage/row_id.hpp"

#include "wasl/sdk/random.hpp"

namespace wasl::storage {

sdk::Result<std::string> new_row_id() { return sdk::random_hex(16); }

}  // namespace wasl::storage
