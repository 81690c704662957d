// Claim actions: hub.build_claim, hub.build_eligibility, hub.billing_service,
// hub.await_prior_authorization (prior_authorization.hpp), hub.queue_claim,
// and the record of
// what billing.submit_claim and billing.request_prior_authorization answered.
//
// hub.build_claim (kInTransaction; inputs in hub/workflow/capabilities.hpp)
// turns the step's input into an sdk Claim, the exact input
// billing.submit_claim takes (a workflow passes `with:
// ${steps.<claim step>.output}`), and stores it as the consultation's claim
// (claims row, state draft, request encrypted, audited claim.create) in the
// transaction that records the step, so the claim exists exactly when the
// step succeeded. The claim's id is derived from the step's idempotency key
// (run and step), never random: a re-run of the step finds the same row and
// leaves it as it is. The id travels in the output's raw.claim_id; the
// engine replaces idempotency_key at submission with the submitting step's
// own key, which the exchange sees as the claim's business identifier.
// Who bills whom and for what comes from the facility's billing settings
// (facilities.<id>.billing): the licences, claim type and subtype, and one
// item of its service code at its price and tax unless the step names items
// (service_code replaces only the code); the diagnosis is the step's
// diagnosis_codes or the facility's diagnosis_code; the eligibility answer
// (input eligibility) gives the claim its eligibility reference. A facility
// without billing settings fails the step (kFailedPrecondition, not
// retryable). A run without a consultation gets its Claim built but nothing
// stored.
//
// hub.queue_claim (kInTransaction; input claim_id, the claim step's
// raw.claim_id) queues the facility's draft claim for the billing round's
// next batch (state batched, audited claim.queue; claim_batches.hpp sends
// it) when the facility bills in batches (billing submission "batch"), and
// answers {claim_id, state}. Queued twice, it is left as it is. A facility
// that submits immediately fails the step (kFailedPrecondition, not
// retryable), as does a claim that is not a draft.
//
// hub.build_eligibility (kInTransaction, stores nothing) answers the
// EligibilityRequest billing.check_eligibility takes, with the facility's
// licences filled in the same way.
//
// The submission result: the engine has no transaction of a plugin call's
// own, so a step observer (HubActions::observe) on billing.submit_claim
// writes the settled result into the claim named by the input's
// raw.claim_id, inside the transaction that records the step's result: on
// success the state follows the ClaimResponse
// (domain::claim_state_after_response), with the payer's response_id as
// provider claim id; a failure after the last retry sets state error. A
// Claim without raw.claim_id (not built by hub.build_claim) or whose claim
// row is gone is left alone.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

// The claim id of the claim built by the step whose idempotency key is
// `step_key`: the 16 bytes behind the key's last 32 hex digits as a version 8
// UUID (RFC 9562, sdk::uuid_text); a key not ending in 32 hex digits (none the
// engine makes) gets the name-based UUID of the whole key. Deterministic.
std::string claim_id_for_step(const std::string& step_key);

// How a claim records the result of billing.submit_claim (or a polled
// answer): an Error → error; a ClaimResponse → its state, the payer's id, the
// submitting message id, the answer's own message id and, once adjudicated,
// the totals.
ClaimSubmission claim_submission_of(const sdk::Result<nlohmann::json>& result, std::int64_t now_ms);

// The Claim hub.build_claim answers for `input` in facility `facility_id`
// (config: its billing settings); kInvalidArgument naming the member that is
// missing or malformed, kFailedPrecondition when the facility has no billing
// settings. Stores nothing.
sdk::Result<sdk::Claim> build_claim(const nlohmann::json& input, const std::string& claim_id,
                                    const std::string& facility_id, const config::Config& config);

// What hub.billing_service answers (kInTransaction, stores nothing): the
// facility's billed service, {service_code, service_code_system, price,
// tax, currency, claim_type, claim_subtype, requires_prior_auth,
// submission}; no secret,
// no PHI. A facility without billing settings fails the step
// (kFailedPrecondition, not retryable).
nlohmann::json billing_service(const config::FacilityBillingConfig& billing);

// The EligibilityRequest hub.build_eligibility answers for `input`;
// kInvalidArgument naming the member that is missing or malformed,
// kFailedPrecondition when the facility has no billing settings.
sdk::Result<sdk::EligibilityRequest> build_eligibility(const nlohmann::json& input,
                                                       const std::string& facility_id,
                                                       const config::Config& config);

// hub.answer_information_request (kInTransaction): {information_request_id,
// texts, pages, cannot_supply, reason} of a request of the run's facility (another
// facility's is kNotFound, as a missing one) is checked and stored as its
// answer in the step's transaction (store_answer, information_answers.hpp);
// the billing round sends it. Answers {information_request_id, state:
// "sending"}; kInvalidArgument naming a wrong member, kFailedPrecondition
// when the request is not open.
//
// The claims feature's registration (app/ makes it at start-up): registers
// hub.build_claim, hub.build_eligibility, hub.billing_service,
// hub.await_prior_authorization, hub.answer_information_request,
// hub.queue_claim and the billing.submit_claim observer. kAlreadyExists when
// any of them is registered already.
// `config`, `cipher` and `audit` must outlive `actions`.
sdk::Status add_claim_actions(workflow::HubActions& actions, const config::Config& config,
                              const records::CellCipher& cipher, const audit::AuditWriter& audit);

}  // namespace wasl::claims
