// hub.attendance (declared in hub/workflow/language/capabilities.cpp): who
// attended the run's consultation, in the form ehr.create_encounter's
// `participants` takes. kInTransaction: it reads the attendance recorded
// up to the step's transaction.
//
//   in:  {} (the run's consultation)
//   out: {"participants": [sdk::EncounterParticipant…], "attendee_seconds",
//         "patient_joined", "clinician_joined"}
//
// Each participant's role ("patient", "clinician", "interpreter", "guest"),
// practitioner_id for a clinician when known (the practitioner its key
// named, else the consultation's for the doctor), and its periods, merged
// and ordered; a period still open ends at the room's end, or at the step's
// time when the room has not ended, and attendee_seconds counts it so. A
// run without a consultation, or a consultation nobody joined, gets no
// participants and zeros.
//
// Providers send joins and leaves late, repeated and out of order (a join
// can arrive after the room's end). Once the room has ended, the answer
// waits until no event of the consultation has been recorded for `settle`
// (workflow.attendance_settle): before that the call is deferred
// (Error::deferred, retried when the quiet period would be over), so a
// clinician's late-delivered join is never read as a clinician no-show.
// It also waits while the hub itself holds events about the room it has not
// dispatched yet (inbox rows still "received": taken by another dispatch
// worker, or failed once and due for a retry), whatever the quiet period
// says: an event the provider delivered is never left out of the periods.
// A row that keeps failing is parked after its attempts, and the wait ends.
#pragma once

#include <chrono>

#include <nlohmann/json.hpp>

#include "hub/attendance/attendance_store.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::attendance {

inline constexpr const char* kAttendanceAction = "hub.attendance";

// The action's output for `attendance`, open periods ended at `now_ms`.
nlohmann::json encounter_attendance(const ConsultationAttendance& attendance, std::int64_t now_ms);

// The action itself (registered by add_attendance).
sdk::Result<nlohmann::json> attendance_action(const records::CellCipher& cipher,
                                              std::chrono::milliseconds settle,
                                              const workflow::HubActionContext& ctx,
                                              const nlohmann::json& input);

}  // namespace wasl::attendance
