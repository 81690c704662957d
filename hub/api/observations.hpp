// Vital signs of a consultation (/v1/consultations/{id}/observations):
// blood pressure, heart rate, body temperature, SpO2, respiratory rate,
// body weight and blood glucose, named by kind or LOINC code, with a UCUM
// unit allowed for the code and a physically possible value
// (clinical/vital_sign.hpp); anything else is 422 naming the field. A
// clinician key posts what it measured or what the patient reports
// (reported_by); a hospital key relays what the patient reports. The time
// taken (effective_at, default now) may not be in the future beyond
// kEffectiveSkewMs. Written once, never changed. Hospital and clinician keys
// read the values; admin and integrator keys see that a vital was reported
// (kind, code, time, who), never its value. Encrypted at rest
// (clinical::ObservationStore); every read and write is audited in its
// transaction. POST takes an optional Idempotency-Key.
#pragma once

#include <cstdint>

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

// How far in the future an effective_at may be (the reporting device's
// clock running ahead of the hub's).
inline constexpr std::int64_t kEffectiveSkewMs = 5 * 60 * 1000;

void add_observation_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
