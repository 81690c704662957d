// The patient's visit summary (hub/summaries):
//   GET /v1/consultations/{id}/summary[?format=json|html|pdf]
//     the caller's facility's consultation's summary: its facts (json, the
//     default), or the summary itself as HTML or PDF; hospital and
//     clinician keys only (route_access.cpp), each read audited
//     (visit_summary.read). Another facility's consultation answers 404.
//   GET /summary/{code}[?format=pdf]
//     a patient's link, no key (the code is the secret): the summary as
//     HTML, or PDF, while the link works; 404 for a code no link has, 410
//     once it has expired. Each use audited (visit_summary_link.resolve) by
//     "anonymous", an expired one as a failure.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_visit_summary_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
