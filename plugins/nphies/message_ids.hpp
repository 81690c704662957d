// MessageIds: every identifier of a message derived from the idempotency key
// the hub passes (one per workflow step, never per attempt), so a resend
// after a lost response carries the same Bundle id, MessageHeader id and
// business identifier and the exchange answers it with its stored response:
// one claim per consultation however often the step runs.
//
// Pure functions of the key; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wasl::plugins::nphies {

// sdk::name_based_uuid of purpose and key (a version 8 UUID from SHA-256):
// uuid_for("bundle", key) != uuid_for("message-header", key).
std::string uuid_for(std::string_view purpose, std::string_view key);

struct MessageIds {
  std::string bundle_id;          // Bundle.id
  std::string message_header_id;  // MessageHeader.id (the exchange's response.identifier)
  // Claim / CoverageEligibilityRequest / Task identifier value: "req_" and
  // the key, every byte outside [A-Za-z0-9._-] written %XX (upper-case hex).
  // It carries the key itself, so whatever the exchange or the payer says
  // about the identifier leads back to the request (idempotency_key_of).
  std::string business_id;

  // A resource id of this message, e.g. resource_id("Patient").
  std::string resource_id(std::string_view kind) const;

  std::string key;  // the idempotency key they come from
};

MessageIds message_ids(std::string_view idempotency_key);

// The inverse of MessageIds::business_id: the idempotency key a business
// identifier value made by message_ids() carries, or empty for any other
// value (another prefix, a malformed or lower-case escape, a byte that would
// have been escaped, nothing after the prefix, a key that is not UTF-8).
// `business_id` may come from outside; O(size), never throws.
std::string idempotency_key_of(std::string_view business_id);

// The MessageHeader id of the message whose business identifier is
// `business_id` (message_ids(idempotency_key_of(business_id))), or empty when
// idempotency_key_of() finds no key.
std::string message_header_id_of(std::string_view business_id);

}  // namespace wasl::plugins::nphies
