// The JSON forms of audit events served by GET /v1/audit: Wasl's own
// (application/json) and FHIR R4 AuditEvent (application/fhir+json).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_event.hpp"
#include "hub/audit/audit_query.hpp"

namespace wasl::audit {

// The display names of the people a page's actors name, by person id
// ("psn_…"), as the sign-in records hold them. Never stored in the trail:
// resolved when the page is served, and a person not in the map is shown
// without a name.
using PersonNames = std::map<std::string, std::string>;

// The distinct person ids of the page's "person:<id>" actors, sorted.
std::vector<std::string> person_ids(const AuditPage& page);

// RFC 3339 UTC with milliseconds, e.g. "2024-05-01T08:30:00.125Z".
std::string format_rfc3339_ms(std::int64_t epoch_ms);

// {"seq", "occurred_at" (RFC 3339), "actor", "facility_id", "action",
//  "entity_type", "entity_id", "outcome", "request_id", "source_address",
//  "detail" (the object, or null), "prev_hash", "hash", "session"}; empty
// optional fields are null. A "person:<id>" actor also gets "actor_name":
// its name from `names`, or null when it has none there.
nlohmann::json to_json(const StoredAuditEvent& event, const PersonNames& names = {});

// {"items": [...], "next_cursor": "..." | null}
nlohmann::json to_json(const AuditPage& page, const PersonNames& names = {});

// FHIR R4 AuditEvent. `observer` names this Wasl deployment in
// source.observer.identifier.value.
//   type      rest (audit-event-type), or DICOM 110114 User Authentication
//             for auth.* actions
//   subtype   the Wasl action (system urn:wasl:audit-action) and, where one
//             fits, the FHIR restful-interaction code
//   action    C/R/U/D/E from the action's verb
//   outcome   "0" success, "4" denied, "8" failure
//   agent     who: a person as identifier {urn:wasl:person, person id} with
//             display = the name from `names` when there is one; an API key
//             as {urn:wasl:apikey, key id}; any other actor as
//             {urn:wasl:actor, actor}. requestor true, network = source
//             address
//   entity    what.identifier = entity id (system urn:wasl:entity:<type>),
//             detail carries the request id and the console session
nlohmann::json to_fhir(const StoredAuditEvent& event, std::string_view observer = "wasl",
                       const PersonNames& names = {});

// FHIR R4 Bundle (type searchset) of the page's events; the next page is a
// link with relation "next" when `next_url` is not empty.
nlohmann::json to_fhir_bundle(const AuditPage& page, std::string_view observer = "wasl",
                              std::string_view next_url = {}, const PersonNames& names = {});

}  // namespace wasl::audit
