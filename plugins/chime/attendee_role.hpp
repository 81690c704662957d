// How a Wasl participant role becomes Chime attendee capabilities, and back.
//
//   clinician                → Audio, Video, Content: SendReceive
//   patient, interpreter, "" → Audio, Video: SendReceive; Content: Receive
//                              (only clinicians share their screen)
//   observer                 → Audio, Video, Content: Receive (receive only)
// Content Receive needs Video Receive or SendReceive (a model constraint);
// every profile above keeps it.
//
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "plugins/chime/meetings_client.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

// kInvalidArgument for a role outside the list above.
wasl::sdk::Result<AttendeeCapabilities> capabilities_for_role(std::string_view role);

// "clinician", "observer", "participant" (patient or interpreter: the
// profiles cannot tell them apart) or "" for capabilities no profile gives.
std::string role_from_capabilities(const AttendeeCapabilities& capabilities);

// The model's ExternalUserId (2..64 characters, no "aws:" prefix, the model's
// character set) for a Wasl participant identity: the identity itself when it
// qualifies, else "wasl-" and 40 hex digits of its SHA-256.
std::string external_user_id_for(std::string_view identity);

}  // namespace wasl::plugins::chime
