#include "hub/records/recording_files.hpp"

#include "hub/records/row_fields.hpp"
#include "hub/storage/bind.hpp"

namespace wasl::records {

using sdk::Result;
using sdk::Status;
using namespace row_fields;

namespace {

Result<std::vector<std::string>> paths_of(const storage::Rows& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string path, row.get_text(0));
    out.push_back(std::move(path));
  }
  return out;
}

}  // namespace

Result<std::vector<StoredRecordingFile>> RecordingFiles::list_after(storage::Transaction& tx,
                                                                    std::string_view after_id,
                                                                    std::int64_t limit) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, facility_id, storage_path, size_bytes, key_id FROM recordings "
               "WHERE id > $1 AND storage_path IS NOT NULL AND deleted_at IS NULL "
               "ORDER BY id LIMIT " +
                   std::to_string(limit),
               {std::string(after_id)}));
  std::vector<StoredRecordingFile> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    StoredRecordingFile f;
    WASL_ASSIGN_OR_RETURN(f.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(f.facility_id, row.get_text("facility_id"));
    WASL_ASSIGN_OR_RETURN(f.storage_path, row.get_text("storage_path"));
    WASL_ASSIGN_OR_RETURN(f.size_bytes, optional_int(row, "size_bytes"));
    WASL_ASSIGN_OR_RETURN(f.key_id, optional_text(row, "key_id"));
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::int64_t> RecordingFiles::count(storage::Transaction& tx) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT COUNT(*) FROM recordings WHERE storage_path IS NOT NULL "
                                 "AND deleted_at IS NULL"));
  return rows.front().get_int(0);
}

Result<std::vector<std::pair<std::optional<std::string>, std::int64_t>>>
RecordingFiles::count_by_key(storage::Transaction& tx) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT key_id, COUNT(*) FROM recordings WHERE storage_path "
                                 "IS NOT NULL AND deleted_at IS NULL GROUP BY key_id"));
  std::vector<std::pair<std::optional<std::string>, std::int64_t>> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    std::optional<std::string> key;
    if (!row.is_null(0)) key = row.get_text(0).value_or("");
    WASL_ASSIGN_OR_RETURN(std::int64_t n, row.get_int(1));
    out.emplace_back(std::move(key), n);
  }
  return out;
}

Result<bool> RecordingFiles::in_use(storage::Transaction& tx, std::string_view path) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id FROM recordings WHERE storage_path = $1", {std::string(path)}));
  return !rows.empty();
}

Status RecordingFiles::set_key(storage::Transaction& tx, std::string_view id, std::string_view path,
                               std::string_view key_id) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE recordings SET key_id = $1 WHERE id = $2 AND storage_path = $3",
              {std::string(key_id), std::string(id), std::string(path)}));
  return {};
}

Result<bool> RecordingFiles::move(storage::Transaction& tx, std::string_view id,
                                  std::string_view from_path, std::string_view to_path,
                                  std::string_view key_id) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec(
          "UPDATE recordings SET storage_path = $1, key_id = $2 WHERE id = $3 AND "
          "storage_path = $4",
          {std::string(to_path), std::string(key_id), std::string(id), std::string(from_path)}));
  return changed > 0;
}

Result<std::vector<ExpiredRecording>> RecordingFiles::expired(
    storage::Transaction& tx, std::int64_t now_ms, const std::vector<std::string>& passed_over,
    std::int64_t limit) {
  std::string sql =
      "SELECT id, facility_id FROM recordings WHERE state = 'archived' AND legal_hold = 0 "
      "AND retention_until IS NOT NULL AND retention_until < $1";
  storage::Params params{now_ms};
  for (const auto& id : passed_over) sql += " AND id <> " + storage::bind(params, id);
  sql += " ORDER BY retention_until, id LIMIT " + storage::bind(params, limit);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  std::vector<ExpiredRecording> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    ExpiredRecording r;
    WASL_ASSIGN_OR_RETURN(r.id, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(r.facility_id, row.get_text(1));
    out.push_back(std::move(r));
  }
  return out;
}

Status RecordingFiles::register_obsolete(storage::Transaction& tx, std::string_view path,
                                         std::string_view recording_id, std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO recording_file_cleanup (path, recording_id, created_at) "
              "VALUES ($1, $2, $3) ON CONFLICT (path) DO NOTHING",
              {std::string(path), std::string(recording_id), now_ms}));
  return {};
}

Status RecordingFiles::unregister(storage::Transaction& tx, std::string_view path) {
  WASL_RETURN_IF_ERROR(
      tx.exec("DELETE FROM recording_file_cleanup WHERE path = $1", {std::string(path)}));
  return {};
}

Result<std::vector<std::string>> RecordingFiles::registered(storage::Transaction& tx) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query("SELECT path FROM recording_file_cleanup"));
  return paths_of(rows);
}

Result<std::vector<std::string>> RecordingFiles::registered_of_deleted(storage::Transaction& tx,
                                                                       std::int64_t limit) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT c.path FROM recording_file_cleanup c JOIN recordings r "
               "ON r.id = c.recording_id WHERE r.state = 'deleted' ORDER BY c.path LIMIT " +
               std::to_string(limit)));
  return paths_of(rows);
}

Result<std::vector<std::string>> RecordingFiles::registered_obsolete_before(
    storage::Transaction& tx, std::int64_t before_ms, std::int64_t limit) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT c.path FROM recording_file_cleanup c JOIN recordings r "
               "ON r.id = c.recording_id WHERE r.state <> 'deleted' AND c.created_at < $1 "
               "AND NOT EXISTS (SELECT 1 FROM recordings u WHERE u.storage_path = c.path) "
               "ORDER BY c.path LIMIT " +
                   std::to_string(limit),
               {before_ms}));
  return paths_of(rows);
}

}  // namespace wasl::records
