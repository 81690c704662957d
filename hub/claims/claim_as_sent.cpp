#include "hub/claims/claim_as_sent.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace wasl::claims {

sdk::Result<sdk::Claim> claim_as_sent(const domain::Claim& claim) {
  sdk::Claim sent;
  std::string key;
  try {
    if (claim.request) sent = nlohmann::json::parse(*claim.request).get<sdk::Claim>();
    if (claim.response) {
      auto response = nlohmann::json::parse(*claim.response);
      if (response.is_object()) key = response.value("request_id", std::string());
    }
  } catch (const nlohmann::json::exception&) {
    key.clear();
  }
  if (!claim.request || key.empty()) {
    return sdk::Error(
        sdk::ErrorCode::kFailedPrecondition,
        "claim " + claim.id + " has no request the exchange answered; it cannot be named", false);
  }
  sent.idempotency_key = key;
  return sent;
}

}  // namespace wasl::claims
