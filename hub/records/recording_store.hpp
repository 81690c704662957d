// RecordingStore: metadata of archived recordings. The files themselves are
// stream-encrypted (hub/crypto/stream_cipher.hpp); this table holds no PHI
// ciphertext columns. The key rotation job re-encrypts the files and moves
// storage_path / key_id itself.
//
// Same contract as ConsultationStore: the caller's transaction, facility id
// filtered in every statement (another facility's recording is kNotFound,
// exactly like a missing one), thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hub/domain/recording.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

// What is known once a recording file is written and encrypted.
struct ArchivedFile {
  std::string storage_path;
  std::int64_t size_bytes = 0;   // plaintext bytes
  std::string plaintext_sha256;  // lowercase hex
  std::string key_id;            // the stream header's key id
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> retention_until;  // epoch ms
};

class RecordingStore {
 public:
  // Inserts `r` under consultation r.consultation_id of facility
  // r.facility_id: kNotFound when that consultation is not in that facility;
  // kAlreadyExists for the same (consultation, provider_recording_id).
  sdk::Status insert(storage::Transaction& tx, const domain::Recording& r) const;

  sdk::Result<domain::Recording> get(storage::Transaction& tx, std::string_view facility_id,
                                     std::string_view id) const;

  // The consultation's recordings, oldest first (deleted ones included).
  sdk::Result<std::vector<domain::Recording>> list_for_consultation(
      storage::Transaction& tx, std::string_view facility_id,
      std::string_view consultation_id) const;

  sdk::Result<std::optional<domain::Recording>> find_by_provider_id(
      storage::Transaction& tx, std::string_view facility_id, std::string_view consultation_id,
      std::string_view provider_recording_id) const;

  // Points the row at its encrypted file and sets state archived.
  sdk::Status mark_archived(storage::Transaction& tx, std::string_view facility_id,
                            std::string_view id, const ArchivedFile& file) const;

  sdk::Status set_state(storage::Transaction& tx, std::string_view facility_id, std::string_view id,
                        domain::RecordingState state) const;

  sdk::Status set_legal_hold(storage::Transaction& tx, std::string_view facility_id,
                             std::string_view id, bool hold) const;

  // state deleted, deleted_at = now, storage_path cleared (the caller deletes
  // the file after commit). kFailedPrecondition under legal hold.
  sdk::Status mark_deleted(storage::Transaction& tx, std::string_view facility_id,
                           std::string_view id, std::int64_t now_ms) const;

  // Of `consultation_ids` (the facility's), those with a recording under
  // legal hold: working-data retention keeps their runs.
  static sdk::Result<std::set<std::string>> consultations_on_legal_hold(
      storage::Transaction& tx, std::string_view facility_id,
      const std::vector<std::string>& consultation_ids);
};

}  // namespace wasl::records
