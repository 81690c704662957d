// Notifications: what a facility tells its patients (hub/notifications/).
//   GET    /v1/consultations/{id}/notifications  each message of the
//          consultation, oldest first: its kind, channel, state, skip or
//          failure reason, attempts and times, for the console and the
//          timeline; never its recipient or its text. Audited
//          notification.list.
//   PUT    /v1/notification-opt-outs/{patient}   the patient named by one of
//          their identifiers (national id or iqama, else an MRN; 1 to 64
//          characters, percent-encoded) is sent no more messages: 201 when
//          this made the opt-out, 200 when it was already in force. Their
//          queued messages are skipped (reason opt_out) when due.
//   GET    /v1/notification-opt-outs/{patient}   the opt-out, or 404.
//   DELETE /v1/notification-opt-outs/{patient}   ends it (200), or 404.
//          Each opt-out request is audited (notification_opt_out.put,
//          .read, .delete) with the opt-out's id, never the identifier,
//          which is kept only as its blind index; the route is logged by
//          its template, so the identifier reaches no log either.
//   GET    /join/{code}                          the join link a message
//          carries, answered without a key (the code is 256 random bits,
//          stored hashed): the consultation's id, facility, status, start
//          and the link's expiry (200); 410 once the link expired (its
//          consultation's start plus a join token's lifetime) or the
//          consultation is over; 404 for a code no link has. Audited
//          join_link.resolve by "anonymous".
// Every /v1 route reads and writes only the caller's facility: another
// facility's consultation or opt-out answers 404.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_notification_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
