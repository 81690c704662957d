// The request messages the plugin sends, each built from the SDK request
// with ids derived from its idempotency key (message_ids.hpp):
//   eligibility-request  CoverageEligibilityRequest + Patient, Coverage,
//                        provider and insurer Organizations
//   claim-request /      Claim (use claim / preauthorization) + Patient,
//   priorauth-request    Coverage, Organizations, Practitioner and the
//                        virtual Encounter (class VR, encounter-auth-VR)
//   cancel-request       Task (code cancel) naming the claim's identifier
//   status-check         Task (code status) naming the claim's identifier
//   poll-request         Task (code poll, include-message-type, count <= 100)
//   acknowledgement      MessageHeader answering a polled message
// Errors: kInvalidArgument naming what the request lacks (a licence, a
// patient identifier, an item), never quoting patient data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

sdk::Result<nlohmann::json> eligibility_request_message(const NphiesSettings& settings,
                                                        const sdk::EligibilityRequest& request,
                                                        std::int64_t now_ms);

// claim.use "claim" -> claim-request, "preauthorization" -> priorauth-request.
sdk::Result<nlohmann::json> claim_request_message(const NphiesSettings& settings,
                                                  const sdk::Claim& claim, std::int64_t now_ms);

sdk::Result<nlohmann::json> cancel_request_message(const NphiesSettings& settings,
                                                   const sdk::CancelRequest& request,
                                                   std::int64_t now_ms);

// The status-check of the claim submitted with idempotency key
// request.request_id: a Task (code status, requested, order) whose focus is
// that claim's Claim.identifier exactly as its claim-request carried it;
// the check's own ids come from request.idempotency_key (one per check).
sdk::Result<nlohmann::json> status_check_message(const NphiesSettings& settings,
                                                 const sdk::StatusCheckRequest& request,
                                                 std::int64_t now_ms);

// count: min(request.max_messages, settings.poll_count), at least 1.
sdk::Result<nlohmann::json> poll_request_message(const NphiesSettings& settings,
                                                 const sdk::PollRequest& request,
                                                 std::int64_t now_ms);

sdk::Result<nlohmann::json> acknowledgement_message(const NphiesSettings& settings,
                                                    const sdk::AcknowledgeRequest& request,
                                                    std::int64_t now_ms);

}  // namespace wasl::plugins::nphies
