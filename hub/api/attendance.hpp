// Attendance and usage (hub/attendance):
//
//   GET /v1/consultations/{id}/attendance
//       every participant's periods in the session (merged, ordered; an open
//       one has no end), its role and whole seconds, and the consultation's
//       totals. 404 for a consultation not in the caller's facility.
//   GET /v1/usage?from=&to=&group_by=&format=
//       the facility's attendee-seconds and attendee-minutes (seconds / 60,
//       two decimals) of the closed periods that start in [from, to),
//       grouped by any of facility, instance, practitioner, day (a comma
//       list; none = one total). `from` and `to` are RFC 3339 date-times or
//       dates (YYYY-MM-DD, the facility's civil days: `to` a date includes
//       that day); at most 366 days. JSON, or CSV with `Accept: text/csv` or
//       `format=csv`.
//
// Both read the caller's facility only and are audited
// (consultation.attendance_read, usage.read).
#pragma once

#include "hub/api/api_context.hpp"

namespace wasl::api {

void add_attendance_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
