// The batch-request message: up to kMaxBatchClaims claim-request messages
// sent as one, for a facility that bills in batches (BillingGateway::
// submit_batch).
//
// Its Bundle and MessageHeader ids come from the batch's idempotency key
// (message_ids.hpp); its MessageHeader has no focus. Every entry after the
// MessageHeader is one claim's claim-request message exactly as
// claim_request_message builds it for that claim alone (its own Bundle id,
// MessageHeader id and Claim identifier from the claim's own key), its
// Claim given the three batch extensions the exchange asks for:
// extension-batch-identifier (valueIdentifier {provider_base_url}/identifier/
// batch | the batch's business identifier, the same in every Claim),
// extension-batch-number (1..count, the claim's place in the batch) and
// extension-batch-count. A resend of the batch is the same batch, and a
// later resend of one claim alone is the same claim to the exchange.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

// The batch-request of `batch`. kInvalidArgument when the batch has no key,
// no claims or more than kMaxBatchClaims, two claims with one key, a claim
// that is not use "claim", or a claim from another provider or to another
// payer than the batch's (batch.payer_license; when empty, its first
// claim's); and whatever claim_request_message refuses of a claim (the
// error names the claim's place, never its content).
sdk::Result<nlohmann::json> batch_request_message(const NphiesSettings& settings,
                                                  const sdk::ClaimBatch& batch,
                                                  std::int64_t now_ms);

}  // namespace wasl::plugins::nphies
