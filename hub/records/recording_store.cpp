#include "hub/records/recording_store.hpp"

#include "hub/records/row_fields.hpp"
#include "hub/storage/bind.hpp"

namespace wasl::records {

using domain::Recording;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace row_fields;

namespace {

constexpr std::string_view kRecordingSelect =
    "SELECT id, consultation_id, facility_id, provider_recording_id, storage_path, size_bytes, "
    "duration_ms, plaintext_sha256, key_id, retention_until, legal_hold, state, created_at, "
    "deleted_at FROM recordings ";

Error not_found_recording(std::string_view id) { return not_found("recording", id); }

Result<Recording> from_row(const storage::Row& row) {
  Recording r;
  WASL_ASSIGN_OR_RETURN(r.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(r.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(r.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(r.provider_recording_id, optional_text(row, "provider_recording_id"));
  WASL_ASSIGN_OR_RETURN(r.storage_path, optional_text(row, "storage_path"));
  WASL_ASSIGN_OR_RETURN(r.size_bytes, optional_int(row, "size_bytes"));
  WASL_ASSIGN_OR_RETURN(r.duration_ms, optional_int(row, "duration_ms"));
  WASL_ASSIGN_OR_RETURN(r.plaintext_sha256, optional_text(row, "plaintext_sha256"));
  WASL_ASSIGN_OR_RETURN(r.key_id, optional_text(row, "key_id"));
  WASL_ASSIGN_OR_RETURN(r.retention_until, optional_int(row, "retention_until"));
  WASL_ASSIGN_OR_RETURN(std::int64_t hold, row.get_int("legal_hold"));
  r.legal_hold = hold != 0;
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed = domain::parse_recording_state(state);
  if (!parsed) {
    return Error(ErrorCode::kInternal, "recording " + r.id + " has an unknown state");
  }
  r.state = *parsed;
  WASL_ASSIGN_OR_RETURN(r.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(r.deleted_at, optional_int(row, "deleted_at"));
  return r;
}

}  // namespace

Status RecordingStore::insert(storage::Transaction& tx, const Recording& r) const {
  if (r.id.empty() || r.consultation_id.empty() || r.facility_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a recording needs an id, a consultation id and a facility id");
  }
  WASL_ASSIGN_OR_RETURN(storage::Rows owner,
                        tx.query("SELECT id FROM consultations WHERE facility_id = $1 AND id = $2",
                                 {r.facility_id, r.consultation_id}));
  if (owner.empty()) return not_found("consultation", r.consultation_id);
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO recordings (id, consultation_id, facility_id, provider_recording_id, "
              "storage_path, size_bytes, duration_ms, plaintext_sha256, key_id, retention_until, "
              "legal_hold, state, created_at, deleted_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
              {r.id, r.consultation_id, r.facility_id, text_or_null(r.provider_recording_id),
               text_or_null(r.storage_path), int_or_null(r.size_bytes), int_or_null(r.duration_ms),
               text_or_null(r.plaintext_sha256), text_or_null(r.key_id),
               int_or_null(r.retention_until), std::int64_t{r.legal_hold ? 1 : 0},
               std::string(domain::to_string(r.state)), r.created_at, int_or_null(r.deleted_at)}));
  return {};
}

Result<Recording> RecordingStore::get(storage::Transaction& tx, std::string_view facility_id,
                                      std::string_view id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(std::string(kRecordingSelect) +
                                                         "WHERE facility_id = $1 AND id = $2",
                                                     {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found_recording(id);
  return from_row(rows.front());
}

Result<std::vector<Recording>> RecordingStore::list_for_consultation(
    storage::Transaction& tx, std::string_view facility_id,
    std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kRecordingSelect) + "WHERE facility_id = $1 AND consultation_id = $2 "
                                               "ORDER BY created_at, id",
               {std::string(facility_id), std::string(consultation_id)}));
  std::vector<Recording> out;
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(Recording r, from_row(row));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<Recording>> RecordingStore::find_by_provider_id(
    storage::Transaction& tx, std::string_view facility_id, std::string_view consultation_id,
    std::string_view provider_recording_id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kRecordingSelect) +
                                     "WHERE facility_id = $1 AND consultation_id = $2 AND "
                                     "provider_recording_id = $3",
                                 {std::string(facility_id), std::string(consultation_id),
                                  std::string(provider_recording_id)}));
  if (rows.empty()) return std::optional<Recording>();
  WASL_ASSIGN_OR_RETURN(Recording r, from_row(rows.front()));
  return std::optional<Recording>(std::move(r));
}

Status RecordingStore::mark_archived(storage::Transaction& tx, std::string_view facility_id,
                                     std::string_view id, const ArchivedFile& file) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE recordings SET storage_path = $1, size_bytes = $2, plaintext_sha256 = $3, "
              "key_id = $4, duration_ms = COALESCE($5, duration_ms), "
              "retention_until = COALESCE($6, retention_until), state = 'archived' "
              "WHERE facility_id = $7 AND id = $8",
              {file.storage_path, file.size_bytes, file.plaintext_sha256, file.key_id,
               int_or_null(file.duration_ms), int_or_null(file.retention_until),
               std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_recording(id);
  return {};
}

Status RecordingStore::set_state(storage::Transaction& tx, std::string_view facility_id,
                                 std::string_view id, domain::RecordingState state) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE recordings SET state = $1 WHERE facility_id = $2 AND id = $3",
              {std::string(domain::to_string(state)), std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_recording(id);
  return {};
}

Status RecordingStore::set_legal_hold(storage::Transaction& tx, std::string_view facility_id,
                                      std::string_view id, bool hold) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE recordings SET legal_hold = $1 WHERE facility_id = $2 AND id = $3",
              {std::int64_t{hold ? 1 : 0}, std::string(facility_id), std::string(id)}));
  if (changed == 0) return not_found_recording(id);
  return {};
}

Status RecordingStore::mark_deleted(storage::Transaction& tx, std::string_view facility_id,
                                    std::string_view id, std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(Recording r, get(tx, facility_id, id));
  if (r.legal_hold) {
    return Error(ErrorCode::kFailedPrecondition,
                 "recording " + r.id + " is under legal hold and cannot be deleted");
  }
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE recordings SET state = 'deleted', deleted_at = $1, storage_path = NULL "
              "WHERE facility_id = $2 AND id = $3",
              {now_ms, std::string(facility_id), std::string(id)}));
  return {};
}

Result<std::set<std::string>> RecordingStore::consultations_on_legal_hold(
    storage::Transaction& tx, std::string_view facility_id,
    const std::vector<std::string>& consultation_ids) {
  std::set<std::string> held;
  for (const auto& chunk : storage::chunks(consultation_ids)) {
    storage::Params params{std::string(facility_id)};
    const std::string ids = storage::in_list(params, tx.dialect(), "consultation_id",
                                             {chunk.begin(), chunk.end()}, "TEXT");
    WASL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT DISTINCT consultation_id FROM recordings "
                                              "WHERE facility_id = $1 AND legal_hold = 1 AND " +
                                                  ids,
                                              params));
    for (const auto& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string id, row.get_text(0));
      held.insert(std::move(id));
    }
  }
  return held;
}

}  // namespace wasl::records
