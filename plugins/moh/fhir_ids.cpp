#include "plugins/moh/fhir_ids.hpp"

#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::moh {

std::string report_uuid(std::string_view report_id, std::string_view part) {
  return sdk::name_based_uuid(std::string(report_id) + "/" + std::string(part));
}

}  // namespace wasl::plugins::moh
