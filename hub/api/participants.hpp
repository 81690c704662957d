// Participants and the waiting room:
//   POST   /v1/consultations/{id}/participants            add one
//   GET    /v1/consultations/{id}/participants            list (removed ones left out)
//   GET    /v1/consultations/{id}/participants/{pid}      read one
//   POST   /v1/consultations/{id}/participants/{pid}/admit
//   DELETE /v1/consultations/{id}/participants/{pid}      remove, from the room too
//
// Waiting room: clinicians (doctor, nurse, specialist) are admitted at once
// and get a join token from the consultation's video plugin; everyone else
// starts `waiting` and is issued NO token until a clinician (or an admin)
// admits them, so nothing they hold grants room access before admission.
// Admitting an admitted participant issues a fresh token (a refresh).
// A clinician admitted (at once or from the waiting room) queues "the
// clinician is ready" for the patient in the admission's transaction, once
// per consultation (hub/notifications/consultation_notices.hpp).
//
// Tokens are secrets: they are answered once ("join" member) and never
// stored, except inside the encrypted first answer kept for an
// Idempotency-Key replay. The provider is called outside any transaction;
// the participant, its token record, the limit check and the audit event
// commit together afterwards, so a provider failure changes nothing (503 or
// 502) and the request can simply be repeated.
//
// The participant limit (ApiOptions, per consultation type, default 15)
// counts participants not removed, waiting ones included → 409 when full.
// A family_member needs "family_consent": true → 422 otherwise.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_participant_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
