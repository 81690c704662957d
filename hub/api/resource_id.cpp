#include "hub/api/resource_id.hpp"

#include "wasl/sdk/uuid.hpp"

namespace wasl::api {

sdk::Result<std::string> new_resource_id() { return sdk::random_uuid(); }

}  // namespace wasl::api
