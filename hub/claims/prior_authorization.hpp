// Prior authorization as workflow steps: the payer's decision on a
// prior authorization, and the reference a later claim carries.
//
// A workflow asks the payer before the service when the facility's payer
// contract says so (facilities.<id>.billing.requires_prior_auth, answered by
// hub.billing_service): hub.build_claim with use preauthorization stores the
// request as one of the consultation's claims, billing.request_prior_authorization
// sends it (its answer recorded on that claim by the same observer as
// billing.submit_claim's, a queued or deferred answer by the billing round's
// poll), and hub.await_prior_authorization reads the decision:
//   approved or partial  output {claim_id, state, approved: true, pre_auth_ref};
//   rejected             kFailedPrecondition, not retryable: the step takes its
//                        on_failure path;
//   cancelled, nullified, error
//                        kFailedPrecondition, not retryable, naming the state;
//   not decided yet (draft, submitted, queued, in_doubt)
//                        "not yet" (Error::deferred): the engine asks again
//                        after the facility's billing poll_interval, without
//                        using up the step's retries.
// A claim hub.build_claim builds later for the same consultation carries the
// preAuthRef of its most recent approved (or partial) prior authorization
// unless the step names prior_auth_ref itself: the host, not the workflow,
// ties the two.
//
// Thread-safe: the functions hold nothing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/claims/claim_store.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

// hub.await_prior_authorization for the facility's claim `claim_id` (see the
// file comment); `not_yet` is how long a deferral waits. kNotFound when the
// facility has no such claim, kInvalidArgument when it is not a prior
// authorization.
sdk::Result<nlohmann::json> prior_authorization_decision(storage::Transaction& tx,
                                                         const ClaimStore& claims,
                                                         std::string_view facility_id,
                                                         std::string_view claim_id,
                                                         std::chrono::milliseconds not_yet);

// The preAuthRef of the consultation's most recent approved or partial
// prior authorization; empty when it has none.
sdk::Result<std::string> consultation_pre_auth_ref(storage::Transaction& tx,
                                                   const ClaimStore& claims,
                                                   std::string_view facility_id,
                                                   std::string_view consultation_id);

}  // namespace wasl::claims
