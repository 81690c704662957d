#include "hub/key_rotation/key_rotation_job.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>

#include "hub/crypto/cell_aead.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/domain/recording.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/key_rotation/file_reencryption.hpp"
#include "hub/records/recording_files.hpp"
#include "hub/records/recording_store.hpp"
#include "hub/records/row_fields.hpp"

namespace wasl::key_rotation {

using records::RecordingFiles;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace records::row_fields;

namespace {

std::string progress_id(const std::string& to_key, std::string_view table) {
  return to_key + "/" + std::string(table);
}

std::string key_list(const records::EncryptedTable& t) {
  std::string out;
  for (std::size_t i = 0; i < t.key_columns.size(); ++i) {
    if (i) out += ", ";
    out += t.key_columns[i];
  }
  return out;
}

// "k1 = $a AND k2 = $b" with parameters appended to `params`.
std::string key_match(const records::EncryptedTable& t, const std::vector<std::string>& keys,
                      storage::Params& params) {
  std::string out;
  for (std::size_t i = 0; i < t.key_columns.size(); ++i) {
    params.push_back(keys[i]);
    if (i) out += " AND ";
    out += std::string(t.key_columns[i]) + " = $" + std::to_string(params.size());
  }
  return out;
}

// A token unique to one job object: 128 random bits in hex. Should the
// generator fail, the process id, the clock and a sequence number stand in.
std::string lease_token() {
  if (auto token = crypto::random_bytes(16); token.ok()) return crypto::to_hex(*token);
  static std::atomic<std::uint64_t> sequence{0};
  return std::to_string(::getpid()) + "-" + std::to_string(domain::now_ms()) + "-" +
         std::to_string(sequence.fetch_add(1));
}

}  // namespace

nlohmann::json to_json(const RotationProgress& progress) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : progress.tables) {
    tables.push_back({{"table", t.table},
                      {"state", t.state},
                      {"rows_done", t.rows_done},
                      {"rows_total", t.rows_total},
                      {"rows_failed", t.rows_failed}});
  }
  return {{"to_key", progress.to_key}, {"done", progress.done}, {"tables", tables}};
}

KeyRotationJob::KeyRotationJob(storage::Store& store, const records::CellCipher& cipher,
                               const audit::AuditWriter& audit,
                               const object_store::ObjectStores& objects,
                               std::chrono::milliseconds lease)
    : store_(store),
      cipher_(cipher),
      audit_(audit),
      objects_(objects),
      lease_(lease),
      holder_(lease_token()) {}

KeyRotationJob::~KeyRotationJob() { release_lease(); }

Result<bool> KeyRotationJob::take_lease() {
  const std::int64_t now = domain::now_ms();
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx->exec("INSERT INTO key_rotation_lease (id, holder, expires_at) VALUES ('rotation', $1, "
               "$2) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = "
               "excluded.expires_at WHERE key_rotation_lease.holder = excluded.holder OR "
               "key_rotation_lease.expires_at < $3",
               {holder_, now + lease_.count(), now}));
  WASL_RETURN_IF_ERROR(tx->commit());
  holding_ = changed > 0;
  return holding_;
}

void KeyRotationJob::release_lease() noexcept {
  if (!holding_) return;
  holding_ = false;
  auto tx = store_.begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return;  // it lapses by itself
  if ((*tx)
          ->exec("DELETE FROM key_rotation_lease WHERE id = 'rotation' AND holder = $1", {holder_})
          .ok()) {
    (void)(*tx)->commit();
  }
}

Result<KeyRotationJob::Position> KeyRotationJob::load_position(storage::Transaction& tx,
                                                               const std::string& id) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT last_row, done_rows, failed_rows, state FROM "
                                 "key_rotations WHERE id = $1",
                                 {id}));
  Position pos;
  if (rows.empty()) return pos;
  const storage::Row& row = rows.front();
  pos.exists = true;
  WASL_ASSIGN_OR_RETURN(auto last, optional_text(row, "last_row"));
  if (last) {
    try {
      pos.last_row = nlohmann::json::parse(*last).get<std::vector<std::string>>();
    } catch (const std::exception&) {
      return Error(ErrorCode::kInternal, "key_rotations row " + id +
                                             " holds a malformed position; delete the row to "
                                             "restart that table's rotation");
    }
  }
  WASL_ASSIGN_OR_RETURN(pos.done_rows, row.get_int("done_rows"));
  WASL_ASSIGN_OR_RETURN(pos.failed_rows, row.get_int("failed_rows"));
  WASL_ASSIGN_OR_RETURN(pos.state, row.get_text("state"));
  return pos;
}

Status KeyRotationJob::save_position(storage::Transaction& tx, const std::string& id,
                                     std::string_view table, const std::string& to_key,
                                     const Position& pos) {
  storage::Value last = pos.last_row.empty() ? storage::null_value()
                                             : storage::Value{nlohmann::json(pos.last_row).dump()};
  storage::Value finished =
      pos.state == "done" ? storage::Value{domain::now_ms()} : storage::null_value();
  if (!pos.exists) {
    WASL_RETURN_IF_ERROR(
        tx.exec("INSERT INTO key_rotations (id, from_key, to_key, table_name, last_row, done_rows, "
                "failed_rows, state, started_at, finished_at) "
                "VALUES ($1, '*', $2, $3, $4, $5, $6, $7, $8, $9)",
                {id, to_key, std::string(table), last, pos.done_rows, pos.failed_rows, pos.state,
                 domain::now_ms(), finished}));
    return {};
  }
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE key_rotations SET last_row = $1, done_rows = $2, "
              "failed_rows = $3, state = $4, finished_at = $5 WHERE id = $6",
              {last, pos.done_rows, pos.failed_rows, pos.state, finished, id}));
  return {};
}

Status KeyRotationJob::audit_batch(storage::Transaction& tx, std::string_view table,
                                   const std::string& to_key, std::int64_t examined,
                                   std::int64_t reencrypted, std::int64_t failed,
                                   std::string_view facility_id, std::string_view entity_id) {
  audit::AuditEvent event;
  event.actor = "system";
  event.action = "key.rotation.batch";
  event.entity_type = std::string(table);
  event.entity_id = std::string(entity_id);
  event.facility_id = std::string(facility_id);
  event.outcome = std::string(failed > 0 ? audit::kOutcomeFailure : audit::kOutcomeSuccess);
  event.detail = nlohmann::json{
      {"to_key", to_key},
      {"examined", examined},
      {"reencrypted", reencrypted},
      {"failed",
       failed}}.dump();
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  return {};
}

Result<RotationStep> KeyRotationJob::rotate_table_batch(const records::EncryptedTable& t,
                                                        const std::string& to_key,
                                                        std::size_t batch_size) {
  const std::string id = progress_id(to_key, t.table);
  const std::size_t nkeys = t.key_columns.size();
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(Position pos, load_position(*tx, id));

  std::string sql = "SELECT " + key_list(t);
  for (auto column : t.columns) sql += ", " + std::string(column);
  sql += " FROM " + std::string(t.table);
  storage::Params params;
  if (!pos.last_row.empty() && pos.last_row.size() == nkeys) {
    std::string placeholders;
    for (std::size_t i = 0; i < nkeys; ++i) {
      params.push_back(pos.last_row[i]);
      placeholders += (i ? ", $" : "$") + std::to_string(i + 1);
    }
    sql += nkeys == 1 ? " WHERE " + key_list(t) + " > $1"
                      : " WHERE (" + key_list(t) + ") > (" + placeholders + ")";
  }
  sql += " ORDER BY " + key_list(t) + " LIMIT " + std::to_string(batch_size);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx->query(sql, params));

  RotationStep step;
  step.table = std::string(t.table);
  for (const storage::Row& row : rows) {
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < nkeys; ++i) {
      WASL_ASSIGN_OR_RETURN(std::string k, row.get_text(i));
      keys.push_back(std::move(k));
    }
    const std::string row_id = records::encrypted_row_id(keys);
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (row.is_null(nkeys + c)) continue;
      WASL_ASSIGN_OR_RETURN(std::string old_ct, row.get_blob(nkeys + c));
      auto key_id = crypto::CellAead::key_id_of(old_ct);
      if (key_id.ok() && *key_id == to_key) continue;
      auto plain = key_id.ok() ? cipher_.decrypt(t.table, t.columns[c], row_id, old_ct)
                               : Result<std::string>(key_id.error());
      if (!plain.ok()) {
        ++step.failed;
        continue;
      }
      WASL_ASSIGN_OR_RETURN(std::string new_ct,
                            cipher_.encrypt(t.table, t.columns[c], row_id, *plain));
      if (crypto::CellAead::key_id_of(new_ct).value_or("") != to_key) {
        return Error(ErrorCode::kConflict,
                     "the active key changed during a rotation batch; the batch was rolled back");
      }
      storage::Params update{storage::Blob{std::move(new_ct)}};
      std::string where = key_match(t, keys, update);
      update.push_back(storage::Blob{old_ct});
      std::string column(t.columns[c]);
      WASL_ASSIGN_OR_RETURN(
          std::int64_t changed,
          tx->exec("UPDATE " + std::string(t.table) + " SET " + column + " = $1 WHERE " + where +
                       " AND " + column + " = $" + std::to_string(update.size()),
                   update));
      if (changed > 0) ++step.reencrypted;
    }
  }
  step.examined = static_cast<std::int64_t>(rows.size());
  if (!rows.empty()) {
    pos.last_row.clear();
    for (std::size_t i = 0; i < nkeys; ++i) {
      WASL_ASSIGN_OR_RETURN(std::string k, rows.back().get_text(i));
      pos.last_row.push_back(std::move(k));
    }
  }
  pos.done_rows += step.examined;
  pos.failed_rows += step.failed;
  pos.state = rows.size() < batch_size ? "done" : "running";
  WASL_RETURN_IF_ERROR(save_position(*tx, id, t.table, to_key, pos));
  WASL_RETURN_IF_ERROR(
      audit_batch(*tx, t.table, to_key, step.examined, step.reencrypted, step.failed));
  WASL_RETURN_IF_ERROR(tx->commit());
  return step;
}

Status KeyRotationJob::clean_orphan_files() {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(std::vector<std::string> locators, RecordingFiles::registered(*tx));
  for (const std::string& locator : locators) {
    WASL_ASSIGN_OR_RETURN(bool live, RecordingFiles::in_use(*tx, locator));
    if (!live) {
      auto object = objects_.resolve(locator);
      if (!object.ok()) {
        // Its store is no longer configured: keep the entry for when it is.
        spdlog::warn("key rotation: the leftover object {} was not removed: {}", locator,
                     object.error().message);
        continue;
      }
      Status removed = object->store.remove(object->key);
      if (!removed.ok() && removed.error().code == ErrorCode::kFailedPrecondition) {
        continue;  // still locked (S3 Object Lock): retention's sweep removes it later
      }
      WASL_RETURN_IF_ERROR(removed);
    }
    WASL_RETURN_IF_ERROR(RecordingFiles::unregister(*tx, locator));
  }
  return tx->commit();
}

Result<RotationStep> KeyRotationJob::rotate_recordings(const std::string& to_key,
                                                       std::size_t batch_size) {
  const std::string id = progress_id(to_key, kRecordingFilesTable);
  RotationStep step;
  step.table = std::string(kRecordingFilesTable);

  WASL_ASSIGN_OR_RETURN(auto read_tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(Position pos, load_position(*read_tx, id));
  std::string after = pos.last_row.empty() ? std::string() : pos.last_row.front();
  WASL_ASSIGN_OR_RETURN(
      std::vector<records::StoredRecordingFile> rows,
      RecordingFiles::list_after(*read_tx, after, static_cast<std::int64_t>(batch_size)));
  read_tx->rollback();

  // Rows examined since the last saved position that needed no file work.
  std::int64_t skipped = 0;
  std::string last_id = after;
  auto save = [&](std::string_view facility, std::string_view entity, std::int64_t reencrypted,
                  std::int64_t failed, bool finished,
                  const std::function<Status(storage::Transaction&)>& extra) -> Status {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(Position current, load_position(*tx, id));
    if (extra) WASL_RETURN_IF_ERROR(extra(*tx));
    current.last_row = {last_id};
    current.done_rows += skipped;
    current.failed_rows += failed;
    current.state = finished ? "done" : "running";
    WASL_RETURN_IF_ERROR(save_position(*tx, id, kRecordingFilesTable, to_key, current));
    WASL_RETURN_IF_ERROR(audit_batch(*tx, kRecordingFilesTable, to_key, skipped, reencrypted,
                                     failed, facility, entity));
    WASL_RETURN_IF_ERROR(tx->commit());
    skipped = 0;
    return {};
  };

  for (const records::StoredRecordingFile& file : rows) {
    const std::string& rec_id = file.id;
    const std::string& facility = file.facility_id;
    const std::string& old_path = file.storage_path;
    const std::optional<std::int64_t>& size = file.size_bytes;
    const std::optional<std::string>& key_id = file.key_id;
    last_id = rec_id;
    ++skipped;
    ++step.examined;
    if (key_id && *key_id == to_key) continue;

    // The object is read where the row says it is and written anew to the
    // active store.
    auto source = objects_.resolve(old_path);
    auto header_key = source.ok() ? stream_object_key_id(source->store, source->key)
                                  : Result<std::string>(source.error());
    if (header_key.ok() && *header_key == to_key) {
      // The object is already under the active key; only the row was stale.
      WASL_RETURN_IF_ERROR(
          save(facility, rec_id, 0, 0, false, [&](storage::Transaction& tx) -> Status {
            return RecordingFiles::set_key(tx, rec_id, old_path, to_key);
          }));
      return step;
    }

    object_store::ObjectStore& target = objects_.active();
    const std::string new_key = facility + "/" + rec_id + "." + to_key + ".wse";
    const std::string new_path = target.locator(new_key);
    {
      WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
      WASL_RETURN_IF_ERROR(
          RecordingFiles::register_obsolete(*tx, new_path, rec_id, domain::now_ms()));
      WASL_RETURN_IF_ERROR(tx->commit());
    }
    std::optional<std::uint64_t> expected;
    if (size) expected = static_cast<std::uint64_t>(*size);
    auto written = [&]() -> Result<std::uint64_t> {
      WASL_RETURN_IF_ERROR(header_key);
      // Kept as long as the old object, where the store locks objects.
      object_store::Retention retention;
      {
        WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
        WASL_ASSIGN_OR_RETURN(domain::Recording row,
                              records::RecordingStore().get(*tx, facility, rec_id));
        tx->rollback();
        retention.until_ms = row.retention_until;
        retention.legal_hold = row.legal_hold;
      }
      WASL_ASSIGN_OR_RETURN(std::unique_ptr<object_store::ObjectWriter> writer,
                            target.create_retained(new_key, retention));
      return reencrypt_stream_object(cipher_.keyring(), source->store, source->key,
                                     std::move(writer), expected,
                                     domain::recording_stream_binding(facility, rec_id));
    }();
    if (!written.ok()) {
      if (written.error().code == ErrorCode::kUnavailable && header_key.ok()) {
        // A store problem, not a damaged object: try again on the next run.
        return std::move(written).error();
      }
      ++step.failed;
      WASL_RETURN_IF_ERROR(target.remove(new_key));
      WASL_RETURN_IF_ERROR(
          save(facility, rec_id, 0, 1, false, [&](storage::Transaction& tx) -> Status {
            return RecordingFiles::unregister(tx, new_path);
          }));
      return step;
    }
    bool switched = false;
    WASL_RETURN_IF_ERROR(
        save(facility, rec_id, 1, 0, false, [&](storage::Transaction& tx) -> Status {
          WASL_ASSIGN_OR_RETURN(switched,
                                RecordingFiles::move(tx, rec_id, old_path, new_path, to_key));
          const std::string& obsolete = switched ? old_path : new_path;
          WASL_RETURN_IF_ERROR(RecordingFiles::unregister(tx, new_path));
          return RecordingFiles::register_obsolete(tx, obsolete, rec_id, domain::now_ms());
        }));
    if (switched) ++step.reencrypted;
    // The obsolete object is registered for cleanup; remove it now. A store
    // that still locks it (S3 Object Lock, retain-until not passed) keeps
    // it registered: retention's sweep removes it once the lock allows.
    const std::string& obsolete = switched ? old_path : new_path;
    Status removed = switched ? source->store.remove(source->key) : target.remove(new_key);
    if (!removed.ok() && removed.error().code == ErrorCode::kFailedPrecondition) {
      spdlog::info("key rotation: the obsolete object {} stays registered until its lock ends: {}",
                   obsolete, removed.error().message);
      return step;
    }
    WASL_RETURN_IF_ERROR(removed);
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_RETURN_IF_ERROR(RecordingFiles::unregister(*tx, obsolete));
    WASL_RETURN_IF_ERROR(tx->commit());
    return step;
  }
  bool finished = rows.size() < batch_size;
  if (skipped > 0 || finished) {
    WASL_RETURN_IF_ERROR(save({}, {}, 0, 0, finished, nullptr));
  }
  step.done = false;
  return step;
}

Result<RotationStep> KeyRotationJob::run_once(std::size_t batch_size) {
  if (batch_size == 0) batch_size = 1;
  WASL_ASSIGN_OR_RETURN(bool held, take_lease());
  if (!held) {
    RotationStep waiting;
    waiting.waiting = true;
    return waiting;
  }
  if (!cleaned_) {
    WASL_RETURN_IF_ERROR(clean_orphan_files());
    cleaned_ = true;
  }
  const std::string to_key = cipher_.active_key_id();
  std::map<std::string, std::string> states;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                          tx->query("SELECT table_name, state FROM key_rotations "
                                    "WHERE to_key = $1",
                                    {to_key}));
    for (const storage::Row& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string table, row.get_text(0));
      WASL_ASSIGN_OR_RETURN(std::string state, row.get_text(1));
      states[table] = state;
    }
  }
  for (const records::EncryptedTable& t : records::encrypted_tables()) {
    if (states[std::string(t.table)] != "done") return rotate_table_batch(t, to_key, batch_size);
  }
  if (states[std::string(kRecordingFilesTable)] != "done") {
    return rotate_recordings(to_key, batch_size);
  }
  RotationStep step;
  step.done = true;
  return step;
}

Result<RotationProgress> KeyRotationJob::run_until_done(const std::stop_token& stop,
                                                        std::size_t batch_size) {
  while (!stop.stop_requested()) {
    WASL_ASSIGN_OR_RETURN(RotationStep step, run_once(batch_size));
    if (step.done) {
      release_lease();
      break;
    }
    if (step.waiting) {
      // Another process rotates this database: look again in a second.
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
    }
  }
  return progress();
}

Result<RotationProgress> KeyRotationJob::progress() {
  RotationProgress out;
  out.to_key = cipher_.active_key_id();
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  // `count` gives the table's rows_total.
  auto add = [&](std::string_view table,
                 const std::function<Result<std::int64_t>()>& count) -> Status {
    TableRotationProgress p;
    p.table = std::string(table);
    WASL_ASSIGN_OR_RETURN(Position pos, load_position(*tx, progress_id(out.to_key, table)));
    p.state = pos.state;
    p.rows_done = pos.done_rows;
    p.rows_failed = pos.failed_rows;
    WASL_ASSIGN_OR_RETURN(p.rows_total, count());
    out.tables.push_back(std::move(p));
    return {};
  };
  for (const records::EncryptedTable& t : records::encrypted_tables()) {
    WASL_RETURN_IF_ERROR(add(t.table, [&]() -> Result<std::int64_t> {
      WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                            tx->query("SELECT COUNT(*) FROM " + std::string(t.table)));
      return rows.front().get_int(0);
    }));
  }
  WASL_RETURN_IF_ERROR(add(kRecordingFilesTable, [&] { return RecordingFiles::count(*tx); }));
  tx->rollback();
  out.done = true;
  for (const auto& t : out.tables) out.done = out.done && t.state == "done";
  return out;
}

}  // namespace wasl::key_rotation
