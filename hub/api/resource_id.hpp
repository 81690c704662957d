// ResourceId: ids of the resources the API creates (consultations,
// participants): random UUIDs (version 4, RFC 9562) from OpenSSL's generator
// (sdk::random_uuid), so they cannot be guessed from one another.
// Thread-safe.
#pragma once

#include <string>

#include "wasl/sdk/result.hpp"

namespace wasl::api {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lowercase. kInternal when the
// random generator fails (a broken installation).
sdk::Result<std::string> new_resource_id();

}  // namespace wasl::api
