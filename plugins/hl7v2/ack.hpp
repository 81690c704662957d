// Acknowledgements of HL7 v2 messages (ACK), original and enhanced mode, and
// what a message's MSH says about how it wants to be acknowledged.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::hl7v2 {

// What build_ack needs of the message it acknowledges. The MSH-3..6, MSH-10,
// MSH-11 and MSH-12 members hold the whole field in the standard encoding
// (components joined by '^', subcomponents by '&', escaped with er7_escape),
// so the acknowledgement repeats them as sent whatever delimiters the message
// used; for a one-component field that is its plain text.
struct AckRequest {
  // From the received message (may be a message whose body failed to parse: only MSH needed).
  std::string sending_application, sending_facility;      // MSH-3, MSH-4 of the original
  std::string receiving_application, receiving_facility;  // MSH-5, MSH-6 of the original
  std::string message_control_id;                         // MSH-10 of the original
  std::string processing_id;                              // MSH-11
  std::string version;                                    // MSH-12
  std::string trigger;                                    // MSH-9.2 (ACK^<trigger>^ACK), plain text
  std::string accept_ack_type;                            // MSH-15 ("" = original mode), plain text
  std::string application_ack_type;                       // MSH-16, plain text
};

// AA/AE/AR in original mode, CA/CE/CR in enhanced mode.
enum class AckCode { kAccept, kError, kReject };

// The ERR segment of a refusal (v2.5 layout). No PHI in any member.
struct AckError {
  std::string
      hl7_code;  // ERR-3.1, HL7 table 0357 ("101", "207"); its text is added for known codes
  std::string location;  // ERR-2 (ERL), encoded like the AckRequest fields: "PID^1^3"
  std::string text;      // ERR-8, the user message (plain text; escaped when written)
};

// The acknowledgement of `original`, or "" when its mode asks for none.
// Original mode (MSH-15 and MSH-16 both empty): always, MSA-1 AA/AE/AR.
// Enhanced mode (either set): an accept acknowledgement, MSA-1 CA/CE/CR,
// sent as MSH-15 asks: AL (or empty) always, NE never, ER only for an error
// or reject, SU only for an accept; another value counts as AL.
// The ACK: MSH with the original's sender and receiver swapped, MSH-7
// `timestamp`, MSH-9 ACK^<trigger>^ACK, MSH-10 `ack_control_id`, MSH-11 and
// MSH-12 the original's; MSA|<code>|<original MSH-10>; for kError and
// kReject with an `error`, ERR||<location>|<code>^<text>^HL70357|E||||<text>.
// Segments end in '\r'; delimiters are always |^~\&.
std::string build_ack(const AckRequest& original, AckCode code,
                      const std::optional<AckError>& error,
                      std::string_view timestamp /* YYYYMMDDHHMMSS */,
                      std::string_view ack_control_id);

// Reads what build_ack needs from MSH alone (works on a message whose later
// segments are broken). kInvalidArgument when the first segment is not an
// MSH that Er7Message::parse accepts.
sdk::Result<AckRequest> read_ack_request(std::string_view utf8_text);

}  // namespace wasl::hl7v2
