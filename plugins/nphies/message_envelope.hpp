// The envelope of an NPHIES message from outside: a Bundle of type "message"
// whose first entry is the MessageHeader (event from ksa-message-events, its
// id, the message it responds to, its focus), and the entries its references
// name. Read without trusting the shape (fhir_elements.hpp).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::nphies {

struct MessageEnvelope {
  std::string event;          // MessageHeader.eventCoding.code
  std::string id;             // MessageHeader.id
  std::string responds_to;    // MessageHeader.response.identifier
  std::string response_code;  // MessageHeader.response.code
  std::string focus;          // MessageHeader.focus[0].reference
};

// kInvalidArgument "the exchange's answer is not a FHIR Bundle", "… is not a
// message Bundle", "… has no entries", "… does not start with a
// MessageHeader", "… has no ksa-message-events event".
sdk::Result<MessageEnvelope> read_envelope(const nlohmann::json& bundle);

// The resource of the entry whose fullUrl is `reference`, or, for a relative
// reference ("Patient/3"), whose fullUrl ends with "/" and it; nullptr when
// none (or `bundle` has no entries). One pass over the entries.
const nlohmann::json* entry_resource(const nlohmann::json& bundle, std::string_view reference);

// The focal resource (the entry the MessageHeader's focus names), or nullptr.
const nlohmann::json* focal_resource(const nlohmann::json& bundle, const MessageEnvelope& envelope);

}  // namespace wasl::plugins::nphies
