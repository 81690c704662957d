// Clinical notes of a consultation (/v1/consultations/{id}/notes): a
// clinician of the consultation's facility writes a draft (sections
// subjective, objective, assessment, plan and free text, in Arabic or
// English), its author changes it (PUT) and signs it; a signed note never
// changes again (409 to any change) and is amended by writing a new draft
// version linked to it, both kept. Hospital and clinician keys read the
// text; admin and integrator keys see that a note exists (id, version,
// status, author, times), never its text (access::reads_clinical_content).
// The text is encrypted at rest (clinical::NoteStore); every read and write
// is audited in its transaction. POSTs take an optional Idempotency-Key.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_clinical_note_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
