// Billing step guards (HubActions::guard): what a workflow step may send to
// the billing plugin. The host, never the step, decides who the facility is
// on the exchange: the run's facility's billing settings
// (facilities.<id>.billing) fill provider_license and provider_name (and the
// request's facility_id) of every billing call; a step naming other values
// is refused. billing.cancel may name only a claim of the run's facility
// (request_id: the idempotency key it was sent with, as
// sdk::CancelRequest says and ClaimStore keeps it), billing.acknowledge
// only an answer recorded on one of its claims (the answer's message id);
// billing.check_status, billing.poll_messages and billing.send_payment_notice
// speak as the facility's provider licence, so the exchange answers only
// about that provider's claims and payments; billing.answer_information_request
// may answer only about a claim of the run's facility (claim.idempotency_key
// the key it was sent with), its claim's licence and name the facility's;
// billing.submit_claim and billing.request_prior_authorization may resubmit
// (related_request_id) only a claim of the run's facility, named by the key
// it was sent with.
// A refusal fails the
// step (kPermissionDenied, not retryable) and is audited as access.denied in
// the guard's transaction (workflow/step_refusal.hpp).
//
// Thread-safe: the config, cipher and audit writer are borrowed and must
// outlive the registered guards.
#pragma once

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::claims {

// Registers a guard on every billing.* capability.
sdk::Status add_billing_step_guards(workflow::HubActions& actions, const config::Config& config,
                                    const records::CellCipher& cipher,
                                    const audit::AuditWriter& audit);

}  // namespace wasl::claims
