// The checks an outgoing NPHIES message must pass before it is sent: the
// nphies-fs profiles of the configured version (required elements,
// cardinalities, the value sets the plugin writes) and the business rules
// the exchange enforces from its side (licences that match the
// MessageHeader, amounts in SAR that add up, sequences, references inside
// the Bundle, at most 10 MiB). The exchange would refuse a message that
// breaks one; the plugin does not send it and says which rule it broke.
//
// Each rule has a stable id (outgoing_rules(); the README's "Checks before
// sending" lists them). The message is read without trusting its shape: a
// member of another type breaks the rule that wants it, nothing throws, and
// nothing is read deeper than kMaxCheckedDepth levels.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::nphies {

struct OutgoingRule {
  std::string_view id;    // e.g. "claim.item-sequence"
  std::string_view says;  // what a message must do, one sentence
};

// Every rule, grouped as they are checked: the whole message, its
// envelope, every entry, then the focal resource.
std::span<const OutgoingRule> outgoing_rules();

// How deeply a message may nest, the Bundle being level 1 (rule
// message.depth).
inline constexpr std::size_t kMaxCheckedDepth = 32;

// The most claim-request messages one batch-request carries (rule batch.size).
inline constexpr std::size_t kMaxBatchClaims = 200;

// OK when `message` (a request message Bundle) passes every rule, every
// nphies-fs profile in it naming `profile_version` ("0.3.0" or "1.0.0").
// Otherwise the first rule it breaks: kInvalidArgument, not retryable,
//   NPHIES check "<id>" failed at <where>: <what>
// <where> is the element's path (Bundle.entry[3].resource.item[1].sequence)
// and <what> what is wrong with it. The message never quotes a value of the
// Bundle other than a resourceType or profile version (no patient data), so
// it may be logged.
sdk::Status check_outgoing(const nlohmann::json& message, std::string_view profile_version);

}  // namespace wasl::plugins::nphies
