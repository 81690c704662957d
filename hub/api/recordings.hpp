// Recordings: GET /v1/recordings/{id} (metadata), GET
// /v1/consultations/{id}/recordings (a consultation's, oldest first) and
// GET /v1/recordings/{id}/content (the decrypted file, with single-range
// requests: `Range: bytes=a-b` → 206; an unsatisfiable range → 416). Every
// read writes an audit event (recording.read, recording.list,
// recording.download) before anything is answered. PUT
// /v1/recordings/{id}/legal-hold sets or releases a recording's legal hold
// (admins of its facility; audited as recording.legal_hold with {hold,
// reason}); a deleted recording is 409.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/api/byte_range.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_recording_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
