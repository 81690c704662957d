// The per-consultation report as a FHIR R4 message Bundle (Wasl's
// proposal; README.md "Per consultation"):
//
//   Bundle (type message, identifier urn:wasl:report-id|<report id>,
//           timestamp = the hub's generated_at)
//     MessageHeader  eventCoding urn:wasl:fhir:CodeSystem:moh-message-event
//                    #telehealth-consultation-report; source urn:wasl:facility:<id>;
//                    sender = the facility's licence; focus = the Encounter
//     Encounter      class v3-ActCode#VR (virtual), status from the
//                    consultation's, period (+ Umm al-Qura extensions when
//                    the facility asks), length, serviceType, type (the
//                    consultation type), subject, participant, serviceProvider
//     Patient        identifier: national id or iqama only (NPHIES systems);
//                    a name only when the hub sent one (the facility asks)
//     Practitioner   identifier: the practitioner licence (when known)
//     Organization   identifier: the facility licence; name
//
// Entries are referenced by urn:uuid fullUrls derived from the report id
// (fhir_ids.hpp): the same report always gives the same Bundle.
#pragma once

#include <nlohmann/json.hpp>

#include "plugins/moh/report_body.hpp"

namespace wasl::plugins::moh {

nlohmann::json message_bundle(const ConsultationReport& report);

// The FHIR Encounter.status for a consultation status ("completed" ->
// "finished", "cancelled" -> "cancelled", "in_session" -> "in-progress", …).
const char* encounter_status(const std::string& consultation_status);

// {start, end} with the Umm al-Qura and time zone extensions when present.
nlohmann::json fhir_period(const PeriodPart& period, const std::string& time_zone);

}  // namespace wasl::plugins::moh
