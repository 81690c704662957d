// NoteStore: the versions of clinicians' notes (clinical_notes), their text
// encrypted (content_enc, records::CellCipher).
//
// The caller's transaction and the caller's facility in every statement:
// another facility's note is kNotFound, exactly like a missing one. The
// caller checks that the consultation is the facility's and appends the
// audit event in the same transaction. Thread-safe; the cipher is borrowed
// and outlives the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/clinical/clinical_note.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

class NoteStore {
 public:
  explicit NoteStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // Inserts `note` as given (a new draft, or an amendment with `amends`).
  // kAlreadyExists when the version it amends was amended already.
  sdk::Status insert(storage::Transaction& tx, const ClinicalNote& note) const;

  sdk::Result<ClinicalNote> get(storage::Transaction& tx, std::string_view facility_id,
                                std::string_view consultation_id, std::string_view note_id) const;

  // The consultation's notes, every version, oldest first.
  sdk::Result<std::vector<ClinicalNote>> list(storage::Transaction& tx,
                                              std::string_view facility_id,
                                              std::string_view consultation_id) const;

  // The version that amends `note_id`, if any.
  sdk::Result<std::optional<std::string>> amended_by(storage::Transaction& tx,
                                                     std::string_view facility_id,
                                                     std::string_view note_id) const;

  // A draft's new language and content (updated_at = now).
  // kFailedPrecondition when the note is signed.
  sdk::Result<ClinicalNote> update_draft(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view consultation_id, std::string_view note_id,
                                         Language language, const NoteContent& content,
                                         std::int64_t now_ms) const;

  // draft → signed (signed_at = now). kFailedPrecondition when it is signed.
  sdk::Result<ClinicalNote> sign(storage::Transaction& tx, std::string_view facility_id,
                                 std::string_view consultation_id, std::string_view note_id,
                                 std::int64_t now_ms) const;

 private:
  sdk::Result<ClinicalNote> from_row(const storage::Row& row) const;
  sdk::Result<std::string> seal(const std::string& note_id, const NoteContent& content) const;

  const records::CellCipher& cipher_;
};

}  // namespace wasl::clinical
