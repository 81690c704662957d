// Recordings: GET /v1/recordings/{id} (metadata), GET
// /v1/consultations/{id}/recordings (a consultation's, oldest first) and
// GET /v1/recordings/{id}/content (the decrypted file, with single-range
// requests: `Range: bytes=a-b` → 206; an unsatisfiable range → 416). Every
// read writes an audit event (recording.read, recording.list,
// recording.download) before anything is answered.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_recording_routes(http::Router& router, ApiContext& context);

// A parsed "bytes=first-last" / "bytes=first-" / "bytes=-suffix" against a
// resource of `size` bytes: the inclusive range, or nullopt when it cannot
// be satisfied. Multiple ranges are not served (nullopt as well).
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};
std::optional<ByteRange> parse_byte_range(std::string_view header, std::uint64_t size);

}  // namespace wasl::api
