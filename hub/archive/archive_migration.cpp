#include "hub/archive/archive_migration.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "hub/crypto/incremental_sha256.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/domain/recording.hpp"
#include "hub/records/recording_files.hpp"
#include "hub/records/recording_store.hpp"

namespace wasl::archive {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

struct ArchiveMigration::Row {
  records::StoredRecordingFile file;
};

namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ArchiveMigration::ArchiveMigration(storage::Store& store, const audit::AuditWriter& audit,
                                   const object_store::ObjectStores& stores,
                                   std::shared_ptr<const crypto::Keyring> keyring)
    : store_(store), audit_(audit), stores_(stores), keyring_(std::move(keyring)) {}

Result<MigrationProgress> ArchiveMigration::run(const std::string& target_name,
                                                MigrationOptions options) {
  object_store::ObjectStore* target = stores_.find(target_name);
  if (!target) {
    return Error(
        ErrorCode::kNotFound,
        "no archive store is named '" + target_name + "': name local or an entry of archive.stores",
        false);
  }
  if (!options.now_ms) options.now_ms = system_now_ms;
  MigrationProgress progress;
  std::string after;
  for (;;) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(auto files,
                          records::RecordingFiles::list_after(*tx, after, options.batch));
    tx->rollback();
    if (files.empty()) break;
    for (const records::StoredRecordingFile& file : files) {
      after = file.id;
      auto resolved = stores_.resolve(file.storage_path);
      if (resolved.ok() && &resolved->store == target) {
        ++progress.skipped;
      } else {
        std::uint64_t copied = 0;
        Status moved = resolved.ok() ? move_one(Row{file}, *target, options, copied)
                                     : Status(resolved.error());
        if (moved.ok()) {
          ++progress.moved;
          progress.bytes += copied;
        } else {
          ++progress.failed;
          spdlog::warn("archive migrate: recording {} of facility {} stays where it is: {}",
                       file.id, file.facility_id, moved.error().message);
        }
      }
      if (options.on_progress) options.on_progress(progress);
    }
  }
  return progress;
}

Status ArchiveMigration::move_one(const Row& row, object_store::ObjectStore& target,
                                  const MigrationOptions& options, std::uint64_t& copied) {
  const records::StoredRecordingFile& file = row.file;
  WASL_ASSIGN_OR_RETURN(object_store::ResolvedObject source, stores_.resolve(file.storage_path));
  const std::string key = source.key;

  records::RecordingStore recordings;
  std::string expected_sha256;
  // The copy is kept as long as the row says, where the target locks objects.
  object_store::Retention retention;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(domain::Recording recording,
                          recordings.get(*tx, file.facility_id, file.id));
    tx->rollback();
    if (!recording.plaintext_sha256 || recording.plaintext_sha256->empty()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "the row has no plaintext SHA-256 to verify a copy against", false);
    }
    expected_sha256 = *recording.plaintext_sha256;
    retention.until_ms = recording.retention_until;
    retention.legal_hold = recording.legal_hold;
  }

  // 1. Copy the encrypted bytes as they are.
  WASL_ASSIGN_OR_RETURN(auto found, source.store.head(key));
  if (!found) {
    return Error(
        ErrorCode::kNotFound,
        "its object " + key + " is missing from its " + std::string(source.store.kind()) + " store",
        false);
  }
  {
    WASL_ASSIGN_OR_RETURN(std::unique_ptr<object_store::ObjectWriter> writer,
                          target.create_retained(key, retention));
    WASL_RETURN_IF_ERROR(source.store.read(
        key, 0, found->size, [&](std::string_view chunk) { return writer->write(chunk); }));
    WASL_ASSIGN_OR_RETURN(object_store::ObjectInfo written, writer->commit());
    if (written.size != found->size) {
      return Error(ErrorCode::kUnavailable,
                   "the copy holds " + std::to_string(written.size) + " bytes of " +
                       std::to_string(found->size),
                   true);
    }
    copied = written.size;
  }

  // 2. Read the copy back: it must decrypt, as this recording, to the
  //    plaintext the row's hash names. A copy that does not is removed.
  auto verified = [&]() -> Status {
    WASL_ASSIGN_OR_RETURN(crypto::IncrementalSha256 sha, crypto::IncrementalSha256::create());
    WASL_ASSIGN_OR_RETURN(
        crypto::StreamDecryptor decryptor,
        crypto::StreamDecryptor::create(
            keyring_, [&sha](std::string_view plain) { return sha.update(plain); },
            file.size_bytes ? std::optional<std::uint64_t>(*file.size_bytes) : std::nullopt,
            domain::recording_stream_binding(file.facility_id, file.id)));
    WASL_RETURN_IF_ERROR(target.read(
        key, 0, copied, [&decryptor](std::string_view chunk) { return decryptor.write(chunk); }));
    WASL_RETURN_IF_ERROR(decryptor.finish());
    WASL_ASSIGN_OR_RETURN(std::string sha256_hex, sha.finish_hex());
    if (sha256_hex != expected_sha256) {
      return Error(ErrorCode::kInternal,
                   "the copy's plaintext SHA-256 does not match the recording's", false);
    }
    return {};
  }();
  if (!verified.ok()) {
    (void)target.remove(key);
    return Error(verified.error().code,
                 "the copy was not verified and is removed: " + verified.error().message,
                 verified.error().retryable);
  }
  const std::string copy_locator = target.locator(key);

  // 3. The row follows the copy; the source is registered for deletion; audited.
  const std::int64_t now = options.now_ms();
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(
        bool moved, records::RecordingFiles::move(*tx, file.id, file.storage_path, copy_locator,
                                                  file.key_id.value_or("")));
    if (!moved) {
      // Deleted or re-encrypted meanwhile: the copy is of nothing current.
      tx->rollback();
      (void)target.remove(key);
      return Error(ErrorCode::kConflict, "the recording changed while it was being copied", true);
    }
    WASL_RETURN_IF_ERROR(
        records::RecordingFiles::register_obsolete(*tx, file.storage_path, file.id, now));
    audit::AuditEvent event;
    event.occurred_at = now;
    event.actor = options.actor;
    event.facility_id = file.facility_id;
    event.action = "recording.migrate";
    event.entity_type = "recording";
    event.entity_id = file.id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    event.detail = nlohmann::json{{"from", std::string(source.store.kind())},
                                  {"to", std::string(target.kind())},
                                  {"size_bytes", copied},
                                  {"plaintext_sha256", expected_sha256}}
                       .dump();
    WASL_RETURN_IF_ERROR(audit_.append(*tx, event));
    WASL_RETURN_IF_ERROR(tx->commit());
  }

  // 4. Only now the source goes; retention's sweep finishes it after a crash.
  Status removed = source.store.remove(key);
  if (!removed.ok()) {
    spdlog::warn(
        "archive migrate: recording {} now lives in the target; its old object stays "
        "registered for retention's sweep: {}",
        file.id, removed.error().message);
    return {};
  }
  auto tx = store_.begin(storage::TxMode::kReadWrite);
  if (tx.ok() && records::RecordingFiles::unregister(**tx, file.storage_path).ok()) {
    (void)(*tx)->commit();
  }
  return {};
}

}  // namespace wasl::archive
