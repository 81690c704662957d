// Prescriptions of a consultation (/v1/consultations/{id}/prescriptions): a
// clinician of the consultation's facility prescribes a medication coded in
// the facility's code system (facilities.<id>.clinical.medication_system)
// with the text as given, dose, route, frequency, duration, quantity,
// refills and instructions in the patient's language. A medication on the
// facility's block list (clinical.blocked_medications) is refused with 422
// naming the rule. A draft until its author signs it; a draft or a signed
// one is cancelled with a reason, recorded and never deleted. Hospital and
// clinician keys read the details; admin and integrator keys see that a
// prescription exists (id, status, author, times), never what it says.
// Encrypted at rest (clinical::PrescriptionStore); every read and write is
// audited in its transaction. POSTs take an optional Idempotency-Key.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_prescription_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
