// Documents shared in a consultation (/v1/consultations/{id}/documents): a
// PDF, a JPEG or a PNG of at most kMaxDocumentBytes, sent as the raw request
// body (the file name in ?name=). Its type is decided by its bytes
// (clinical/document_type.hpp), never by the name or the Content-Type:
// anything that is none of the three is 415, one whose structure is broken
// 422. Every file is scanned by ClamAV (clinical::ClamdScanner) before it is
// kept: malware found is 422 naming the signature; a file that cannot be
// scanned (clamd down, no scanner configured) is 503 with Retry-After and is
// not kept. A clean file is stream-encrypted into the active object store
// (clinical/document_object.hpp) and its row (the name encrypted) written
// with its audit event in one transaction.
//
// Hospital and clinician keys upload, list with names and make download
// links; admin and integrator keys list without names; an auditor key is
// refused (403); another facility's key gets 404.
//
// POST …/documents/{doc}/link answers a URL with a random token that works
// until ApiOptions::document_link_ttl has passed: GET /v1/document-links/{t}
// streams the plaintext (the token is the credential, audited as the
// download; after expiry 410, an unknown token 404).
#pragma once

#include <cstdint>

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

inline constexpr std::int64_t kMaxDocumentBytes = std::int64_t{10} << 20;

void add_shared_document_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
