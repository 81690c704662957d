#include "hub/workflow/idempotency_key.hpp"

#include "hub/crypto/digest.hpp"

namespace wasl::workflow {

std::string step_idempotency_key(std::string_view run_id, std::string_view step_id) {
  std::string material = "wasl:";
  material.append(run_id).append(":").append(step_id);
  return "wasl-" + crypto::sha256_hex(material).substr(0, 32);
}

}  // namespace wasl::workflow
