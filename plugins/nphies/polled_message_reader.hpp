// Reading what a poll-response carries: each message Bundle in it becomes one
// sdk::PolledMessage (types.hpp), read by its MessageHeader event:
//   claim-response /        sdk::ClaimResponse exactly as read_response()
//   priorauth-response      reads it (response_reader.hpp); its request_id
//                           the claim's idempotency key
//   communication-request   sdk::InformationRequest: the CommunicationRequest's
//                           identifier, about (the Claim), reasonCode,
//                           payload text and documents wanted, authoredOn,
//                           occurrenceDateTime (the due date)
//   payment-reconciliation  sdk::PaymentReconciliation: identifier, status
//                           active, paymentIdentifier, paymentDate,
//                           paymentAmount, period, one PaymentDetail per
//                           detail (payment or adjustment, the Claim,
//                           amount, early-payment and nphies fees)
//   advanced-authorization  sdk::AdvancedAuthorization: a ClaimResponse of use
//                           preauthorization, preAuthRef, preAuthPeriod, the
//                           Patient's identifiers, the Coverage's member id
//   error-notice            sdk::ErrorNotice: the OperationOutcome's issues
// Every message carries message_id (MessageHeader.id), request_message_id
// (MessageHeader.response.identifier; for a claim answer the request message
// read_response() finds) and raw (the message Bundle).
//
// A Claim named by its identifier (CommunicationRequest.about,
// PaymentReconciliation.detail.request, ClaimResponse.request) maps back to
// the idempotency key it was sent with (idempotency_key_of, message_ids.hpp)
// when its system is the provider's claim system (or absent); a claim the
// provider did not send maps to an empty key.
//
// A message that is not a message Bundle, is of an event not asked for or
// not read here, lacks what its event needs (the focal resource, the
// identifier, an amount, a claim, …), has an amount that is not a number in
// SAR or a date that is not a FHIR date, is one PolledMessage with event
// "unreadable" and `problem` saying what is wrong (the event and the element,
// never a value from the message beyond a short code), its ids when its
// MessageHeader gives them, and raw. One such message never hides the
// others.
//
// Input from outside: nothing throws, and time and memory are linear in the
// size of the bundle (at most kMaxPolledMessages messages are read).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

// A poll asks for at most 100 messages (IG); messages beyond the first 100 of
// one poll-response are not read (nor returned, so never acknowledged: the
// exchange hands them out again).
inline constexpr std::size_t kMaxPolledMessages = 100;

// The events this reader reads, in the order a poll asks for them.
const std::vector<std::string>& polled_events();

struct PolledReading {
  std::vector<std::string> events;  // the events the poll asked for
  std::string claim_system;         // NphiesSettings::identifier_system("claim")
};

// One message Bundle from a poll-response; never fails.
sdk::PolledMessage read_polled_message(const nlohmann::json& message, const PolledReading& reading);

// Every message Bundle a poll-response carries, in its order (possibly none).
// kInvalidArgument only when `poll_response` is not a poll-response message.
sdk::Result<std::vector<sdk::PolledMessage>> read_polled_messages(
    const nlohmann::json& poll_response, const PolledReading& reading);

}  // namespace wasl::plugins::nphies
