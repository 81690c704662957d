// The patient's feedback on a consultation (hub/feedback):
//
//   GET  /feedback/{code}   no key (the code is the secret): the FHIR
//        Questionnaire while the one-use link works; 404 for an unknown
//        code, 410 once it was used or expired, or its consultation was
//        cancelled. Audited (feedback_link.resolve).
//   POST /feedback/{code}   no key: the patient's QuestionnaireResponse
//        (application/json or application/fhir+json). Checked
//        (feedback/questionnaire.hpp: 422 naming the member, nothing
//        stored); stored with the link marked used and the audit event
//        (feedback.answer) and the request of its write to the EHR
//        (feedback/feedback_ehr_write.hpp) in one transaction: 201. A second
//        answer through the link, or through the consultation's other
//        link, is 410.
//   GET  /v1/consultations/{id}/feedback   the consultation's answer:
//        ratings for every role the matrix lets in; the free text and the
//        QuestionnaireResponse only for roles that read PHI
//        (access::reads_phi: admin, hospital, clinician; never an
//        integrator). Audited (feedback.read), with whether the text was
//        shown.
//   GET  /v1/feedback/summary?from=&to=   the caller's facility's answers
//        given in [from, to) (RFC 3339), counted and averaged for the
//        facility and per practitioner. No free text.
//
// Another facility's consultation is 404; a summary counts the caller's
// facility only.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_feedback_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
