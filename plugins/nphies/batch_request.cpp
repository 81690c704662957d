#include "plugins/nphies/batch_request.hpp"

#include <set>

#include "plugins/nphies/message_builder.hpp"
#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"
#include "plugins/nphies/outgoing_checks.hpp"
#include "plugins/nphies/request_messages.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

Error refused(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "the batch " + what, false);
}

std::string payer_of(const sdk::Claim& claim) {
  return claim.payer_license.empty() ? claim.coverage.payer_id : claim.payer_license;
}

// The Claim of a claim-request message claim_request_message built.
json* claim_of(json& message) {
  for (json& entry : message["entry"]) {
    json& resource = entry["resource"];
    if (resource.value("resourceType", std::string()) == "Claim") return &resource;
  }
  return nullptr;
}

}  // namespace

Result<json> batch_request_message(const NphiesSettings& settings, const sdk::ClaimBatch& batch,
                                   std::int64_t now_ms) {
  if (batch.idempotency_key.empty()) return refused("lacks an idempotency key");
  if (batch.claims.empty() || batch.claims.size() > kMaxBatchClaims) {
    return refused("carries " + std::to_string(batch.claims.size()) +
                   " claims; a batch carries 1 to " + std::to_string(kMaxBatchClaims));
  }
  if (batch.provider_license.empty()) return refused("lacks the provider licence");
  const std::string payer =
      batch.payer_license.empty() ? payer_of(batch.claims.front()) : batch.payer_license;
  if (payer.empty()) return refused("lacks the payer licence");
  const MessageIds ids = message_ids(batch.idempotency_key);
  const json identifier = {{"system", settings.identifier_system("batch")},
                           {"value", ids.business_id}};
  const int count = static_cast<int>(batch.claims.size());
  MessageBuilder header(settings, ids, "batch-request", now_ms);
  header.sender(batch.provider_license);
  header.destination(v::kPayerLicense, payer);
  json message = header.build();
  std::set<std::string> keys;
  for (int n = 1; n <= count; ++n) {
    const sdk::Claim& claim = batch.claims[n - 1];
    const std::string where = "claim " + std::to_string(n);
    if (!keys.insert(claim.idempotency_key).second) {
      return refused("carries two claims with one idempotency key (" + where + ")");
    }
    if (claim.use != "claim") return refused(where + " is not a claim (use claim)");
    if (claim.provider_license != batch.provider_license || payer_of(claim) != payer) {
      return refused(where + " is not from the batch's provider to its payer");
    }
    auto built = claim_request_message(settings, claim, now_ms);
    if (!built.ok()) return refused(where + ": " + built.error().message);
    json inner = std::move(built).value();
    json* focal = claim_of(inner);
    if (focal == nullptr) return refused(where + " was built without a Claim");
    json& extensions = (*focal)["extension"];
    if (!extensions.is_array()) extensions = json::array();
    extensions.push_back(
        {{"url", v::extension("batch-identifier")}, {"valueIdentifier", identifier}});
    extensions.push_back({{"url", v::extension("batch-number")}, {"valuePositiveInt", n}});
    extensions.push_back({{"url", v::extension("batch-count")}, {"valuePositiveInt", count}});
    const std::string url = header.url_of("Bundle", inner.at("id").get<std::string>());
    message["entry"].push_back({{"fullUrl", url}, {"resource", std::move(inner)}});
  }
  return message;
}

}  // namespace wasl::plugins::nphies
