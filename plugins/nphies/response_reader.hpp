// Reading the exchange's answers: a response message (Bundle of type message,
// MessageHeader first) of any event the plugin asks for, into the SDK's
// ClaimResponse:
//   eligibility-response  outcome, inforce, benefits, siteEligibility, errors
//   claim-response /      outcome (queued, complete, error), the
//   priorauth-response    adjudication-outcome extension, per-item
//                         adjudication (eligible, benefit, copay,
//                         patientShare, tax, approved quantity), totals,
//                         preAuthRef, errors with adjudication-error codes
//   cancel-response /     the Task's status (completed = done)
//   status-response
//   poll-response         every nested message bundle, each read as above
//   acknowledgement /     the response code (ok = approved) and the
//   batch-response        rules an OperationOutcome focus names (errors)
// request_message_id is the MessageHeader.response.identifier (the request
// answered); message_id the answer's own MessageHeader id. Errors:
// kInvalidArgument (with the answer's shape problem) when the bundle is not a
// message this reader knows.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

// The event code of a message bundle's MessageHeader, or empty.
std::string message_event(const nlohmann::json& bundle);

// One answer; raw holds the bundle.
sdk::Result<sdk::ClaimResponse> read_response(const nlohmann::json& bundle);

// A status-response (the answer to a status-check): what the exchange says
// of the claim its Task's focus names.
struct StatusAnswer {
  sdk::ClaimStatus status;   // status, message_id, request_message_id
  std::string claim_system;  // Task.focus.identifier, as the exchange echoes it
  std::string claim_value;
};

// Task.status completed with the output of type status (task-output-type)
// valueCode queued or complete → "queued" / "complete"; Task.status rejected
// (the exchange holds no claim of that identifier) → "not_held". Anything
// else (another event, no Task focus, a completed Task without that output,
// another Task.status) is kInvalidArgument.
sdk::Result<StatusAnswer> read_status_response(const nlohmann::json& bundle);

// The answers a poll-response carries (possibly none).
sdk::Result<std::vector<sdk::ClaimResponse>> read_poll_response(const nlohmann::json& bundle);

}  // namespace wasl::plugins::nphies
