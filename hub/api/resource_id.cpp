#include "hub/api/resource_id.hpp"

#include <Poco/Exception.h>
#include <Poco/UUIDGenerator.h>

namespace wasl::api {

sdk::Result<std::string> new_resource_id() {
  try {
    return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  } catch (const Poco::Exception& e) {
    return sdk::Error(sdk::ErrorCode::kInternal, "the random generator failed: " + e.displayText(),
                      false);
  }
}

}  // namespace wasl::api
