// The JSON body a hospital system sends to /v1/webhooks/hospital.<facility>,
// signed with Standard Webhooks (standard_webhook_signature.hpp):
//
//   {
//     "type": "appointment.updated",          required; [a-z0-9_.-], 1..100 bytes
//     "correlation": "Appointment/123",       required; 1..256 bytes — what a
//                                             workflow's wait_for matches on
//     "occurred_at": "2026-03-01T09:30:00Z",  optional; RFC 3339
//     "payload": { … }                        optional object; handed to the
//                                             workflow as the event's payload
//   }
//
// Unknown members are ignored, so senders may add their own.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::webhooks {

// The normalized event the body describes, with `dedupe_key` (the
// webhook-id). kInvalidArgument naming the first member that is missing or
// malformed; the message never repeats the body.
sdk::Result<sdk::Event> parse_hospital_event_body(std::string_view body, std::string dedupe_key);

}  // namespace wasl::webhooks
