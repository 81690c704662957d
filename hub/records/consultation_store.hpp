// ConsultationStore: consultations in the database, with the patient and
// practitioner summaries encrypted (consultations.patient_summary_enc,
// practitioner_summary_enc) and the patient's identifiers in the blind
// index (consultation_identifiers; national ID / iqama, MRN, phone).
//
// Every method takes the caller's transaction (so a change and its audit
// event commit together) and, but for the two reads the session reconciler
// makes across facilities (open_video_rooms, video_instances), the caller's
// facility id, which every statement filters on: another facility's
// consultation behaves exactly like a missing one (kNotFound, same message).
//
// Thread-safe: holds only a borrowed CellCipher, which must outlive it.
// Errors: kNotFound, kInvalidArgument (a bad identifier or cursor),
// kAlreadyExists (insert of an existing id), decryption errors from
// CellCipher, and the transaction's storage errors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/domain/consultation.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

struct ConsultationFilter {
  std::optional<domain::ConsultationStatus> status;
  std::optional<std::int64_t> scheduled_from;  // epoch ms, inclusive
  std::optional<std::int64_t> scheduled_to;    // epoch ms, exclusive
  std::optional<std::string> workflow;         // the workflow's name
  // Any national ID / iqama, MRN or phone of the patient, in any written
  // form the blind index normalizes (Arabic-Indic digits, local phone form).
  std::optional<std::string> patient_identifier;
};

struct ConsultationPage {
  std::vector<domain::Consultation> items;  // newest first: created_at DESC, id DESC
  std::optional<std::string> next_cursor;   // absent on the last page
};

// What a workflow sees of a consultation: its columns that hold no PHI, as
// stored (no summary is decrypted).
struct ConsultationFacts {
  std::string id;
  std::string facility_id;
  std::string status;
  std::string type;
  std::optional<std::string> appointment_ref;
  std::optional<std::string> video_instance;
  std::optional<std::string> video_room_id;
  std::optional<std::int64_t> scheduled_at;  // ms since the epoch
  std::optional<std::int64_t> created_at;    // ms since the epoch
};

// What ministry reports count a consultation by (no PHI). Unset fields are
// left as they are.
struct ConsultationReportFacts {
  std::optional<std::string> specialty;            // the practitioner's, as the EHR names it
  std::optional<std::string> service_type;         // the appointment's
  std::optional<std::int64_t> session_started_at;  // ms since the epoch
  std::optional<std::int64_t> session_ended_at;
};

// What a ministry report reads of one consultation (no PHI).
struct ReportedConsultation {
  std::string status;
  std::string type;
  std::optional<std::int64_t> scheduled_at;  // ms since the epoch
  std::int64_t created_at = 0;
  std::optional<std::int64_t> ended_at;
  ConsultationReportFacts facts;  // specialty, service type and session times, as recorded
};

// What the aggregate report counts of a facility's consultations in a
// period (see ConsultationStore::count_in_period). Each map is value →
// number of consultations.
struct ConsultationPeriodCounts {
  std::map<std::string, std::int64_t> by_status;
  std::map<std::string, std::int64_t> by_type;
  std::map<std::string, std::int64_t> by_specialty;  // "unspecified" for none recorded
  // Cancelled consultations that were not no-shows, by reason ("unspecified"
  // for none recorded).
  std::map<std::string, std::int64_t> by_cancel_reason;
  // Patients who never came: status no_show, or cancelled with reason
  // no_show (an operator's cancel, or one made before the status existed).
  std::int64_t no_shows = 0;
  std::int64_t clinician_no_shows = 0;  // status clinician_no_show
  // session_ended_at - session_started_at of each consultation with both
  // recorded and the end not before the start, in no particular order.
  std::vector<std::int64_t> session_durations_ms;
};

// What attendance reads of a consultation's video session (no PHI).
struct SessionFacts {
  std::string id;
  std::optional<std::string> video_instance;
  std::optional<std::string> video_room_id;
  std::optional<std::string> practitioner_ref;  // "Practitioner/3"
  std::optional<std::int64_t> ended_at;         // ms since the epoch
};

// A consultation whose video room is open as far as the database knows: a
// room id recorded and status waiting, waiting_room or in_session.
struct OpenVideoRoom {
  std::string id;
  std::string facility_id;
  std::optional<std::string> video_instance;
  std::string video_room_id;
  std::int64_t updated_at = 0;  // with id, the order rooms are listed in
};

// A consultation whose patient had to have joined by now: its room is open
// (status waiting_room) and its arrival not settled (ConsultationStore::
// arrivals_due).
struct DueArrival {
  std::string id;
  std::optional<std::int64_t> scheduled_at;  // ms since the epoch
  std::int64_t room_opened_at = 0;           // ms since the epoch
  // The later of the two: what the facility's no_show_after counts from.
  std::int64_t counted_from = 0;
};

// A cancel reason: a code of 1..40 characters [a-z0-9_] starting with a
// letter ("patient_request", "no_show", …).
bool is_cancel_reason(std::string_view reason);

inline constexpr int kDefaultListLimit = 50;
inline constexpr int kMaxListLimit = 200;

class ConsultationStore {
 public:
  explicit ConsultationStore(const CellCipher& cipher) : cipher_(cipher) {}

  // Inserts `c` (id, facility_id, created_at, updated_at set by the caller),
  // encrypting the summaries and indexing the patient's identifiers.
  // kInvalidArgument when an identifier or phone cannot be normalized.
  sdk::Status insert(storage::Transaction& tx, const domain::Consultation& c) const;

  sdk::Result<domain::Consultation> get(storage::Transaction& tx, std::string_view facility_id,
                                        std::string_view id) const;

  // The consultation of `appointment_ref` in the facility, if any: the live
  // (not cancelled) one, of which there is at most one (the unique index
  // consultations_live_appointment), else the first cancelled one.
  sdk::Result<std::optional<domain::Consultation>> find_by_appointment(
      storage::Transaction& tx, std::string_view facility_id,
      std::string_view appointment_ref) const;

  // One page, newest first. `limit` is clamped to [1, kMaxListLimit] (0 or
  // less means kDefaultListLimit). `cursor` is the next_cursor of the
  // previous page or empty. Pages are stable under concurrent inserts:
  // every consultation that existed when the first page was read appears
  // exactly once.
  sdk::Result<ConsultationPage> list(storage::Transaction& tx, std::string_view facility_id,
                                     const ConsultationFilter& filter, int limit,
                                     std::string_view cursor) const;

  // The methods below touch no PHI column and need no cipher.

  // The id of the live (not cancelled) consultation of `appointment_ref` in
  // the facility, if any.
  static sdk::Result<std::optional<std::string>> live_by_appointment(
      storage::Transaction& tx, std::string_view facility_id, std::string_view appointment_ref);

  // The consultation's facts; nullopt when it is not in the facility.
  static sdk::Result<std::optional<ConsultationFacts>> facts(storage::Transaction& tx,
                                                             std::string_view facility_id,
                                                             std::string_view id);

  // Sets the status (and ended_at when given). With `expected`, changes it
  // only from that status: kFailedPrecondition when the current status
  // differs. kNotFound when absent.
  static sdk::Status update_status(
      storage::Transaction& tx, std::string_view facility_id, std::string_view id,
      domain::ConsultationStatus status, std::int64_t now_ms,
      std::optional<domain::ConsultationStatus> expected = std::nullopt,
      std::optional<std::int64_t> ended_at = std::nullopt);

  // Records the video plugin instance and provider room id, and when the
  // room was first recorded (room_opened_at: now, unless it is the room
  // already recorded).
  static sdk::Status set_room(storage::Transaction& tx, std::string_view facility_id,
                              std::string_view id, std::string_view video_instance,
                              std::string_view video_room_id, std::int64_t now_ms);

  // The facility's consultations in status waiting_room with a room and no
  // arrival settled whose later of scheduled start and room opening is at
  // or before `cutoff_ms`, oldest first (by that time, then id), at most
  // `limit`.
  static sdk::Result<std::vector<DueArrival>> arrivals_due(storage::Transaction& tx,
                                                           std::string_view facility_id,
                                                           std::int64_t cutoff_ms, int limit);
  // Records that the patient's arrival was settled (the verdict delivered),
  // so arrivals_due leaves the consultation out. kNotFound when absent.
  static sdk::Status settle_arrival(storage::Transaction& tx, std::string_view facility_id,
                                    std::string_view id, std::int64_t now_ms);

  // Records why the consultation was cancelled (is_cancel_reason();
  // kInvalidArgument otherwise). kNotFound when absent.
  static sdk::Status set_cancel_reason(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view id, std::string_view reason,
                                       std::int64_t now_ms);

  // Moves the consultation's scheduled start (the EHR rescheduled its
  // appointment). kNotFound when absent.
  static sdk::Status set_scheduled_at(storage::Transaction& tx, std::string_view facility_id,
                                      std::string_view id, std::int64_t scheduled_at_ms,
                                      std::int64_t now_ms);

  // Records the set fields of `facts`. kNotFound when absent.
  static sdk::Status set_report_facts(storage::Transaction& tx, std::string_view facility_id,
                                      std::string_view id, const ConsultationReportFacts& facts,
                                      std::int64_t now_ms);

  // Records the workflow the consultation runs on.
  static sdk::Status set_workflow(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view id, std::string_view workflow_name,
                                  std::int64_t workflow_version, std::int64_t now_ms);

  // Whether the consultation is in the facility (what a row of another
  // table that references it checks first).
  static sdk::Result<bool> exists(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view id);

  // What a report reads of the consultation; nullopt when it is not in the
  // facility.
  static sdk::Result<std::optional<ReportedConsultation>> reported(storage::Transaction& tx,
                                                                   std::string_view facility_id,
                                                                   std::string_view id);

  // The facility's consultations in a period are those whose scheduled time,
  // else their creation time, is in [start_ms, end_ms).

  // Their counts (see ConsultationPeriodCounts).
  static sdk::Result<ConsultationPeriodCounts> count_in_period(storage::Transaction& tx,
                                                               std::string_view facility_id,
                                                               std::int64_t start_ms,
                                                               std::int64_t end_ms);
  // The consultation of the facility holding room `room_id` of video
  // instance `video_instance`, if any.
  static sdk::Result<std::optional<SessionFacts>> session_in_room(storage::Transaction& tx,
                                                                  std::string_view facility_id,
                                                                  std::string_view video_instance,
                                                                  std::string_view room_id);
  // The session facts of each consultation of `ids` in the facility; ids
  // that name none of its consultations are absent.
  static sdk::Result<std::map<std::string, SessionFacts>> sessions(
      storage::Transaction& tx, std::string_view facility_id, const std::vector<std::string>& ids);

  // Their ids, in no particular order.
  static sdk::Result<std::vector<std::string>> ids_in_period(storage::Transaction& tx,
                                                             std::string_view facility_id,
                                                             std::int64_t start_ms,
                                                             std::int64_t end_ms);

  // The two reads below span every facility: they serve the session
  // reconciler, which watches every open room whoever owns it, and return
  // each row's facility.

  // Open video rooms (OpenVideoRoom) ordered by (updated_at, id), at most
  // `limit`, starting after the room `after` names (its updated_at and id)
  // when given.
  static sdk::Result<std::vector<OpenVideoRoom>> open_video_rooms(
      storage::Transaction& tx, const std::optional<std::pair<std::int64_t, std::string>>& after,
      int limit);
  // The recorded video instance of each consultation of `ids` that exists
  // (nullopt when none is recorded); ids that name no consultation are absent.
  static sdk::Result<std::map<std::string, std::optional<std::string>>> video_instances(
      storage::Transaction& tx, const std::vector<std::string>& ids);

 private:
  sdk::Result<domain::Consultation> from_row(const storage::Row& row) const;
  sdk::Result<std::vector<std::string>> identifier_indexes(
      const domain::PatientSummary& patient) const;

  const CellCipher& cipher_;
};

}  // namespace wasl::records
