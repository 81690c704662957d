// DocumentStore: the documents shared in consultations (shared_documents)
// and their short-lived download links (shared_document_links). The file
// name is encrypted (name_enc, records::CellCipher); the bytes are not
// here but in the object store, stream-encrypted (document_object.hpp). A
// document is written once and never changed. A link's token is never
// stored, only its SHA-256.
//
// The caller's transaction and the caller's facility in every statement
// (find_link aside: the token is the credential, and the link's row names
// its facility): another facility's document is kNotFound, exactly like a
// missing one. The caller checks that the consultation is the facility's
// and appends the audit event in the same transaction. Thread-safe; the
// cipher is borrowed and outlives the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/clinical/clinical_note.hpp"
#include "hub/clinical/document_type.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::clinical {

struct SharedDocument {
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  DocumentType type = DocumentType::kPdf;
  std::string name;          // as the uploader gave it (PHI: encrypted at rest)
  std::string storage_path;  // the object store's locator
  std::int64_t size_bytes = 0;
  std::string sha256_hex;
  std::string key_id;
  std::string scanned_by;
  Author uploaded_by;
  std::int64_t created_at = 0;
  std::optional<std::string> ehr_document_id;  // once attached to the record
};

// The document as the API answers it; `with_name`: the file name (PHI) is
// included, else only that a document of this type and size exists.
nlohmann::json document_json(const SharedDocument& d, bool with_name);

// The stream cipher's binding of a document's object: its facility and id,
// so the object decrypts for this row only.
std::string document_stream_binding(std::string_view facility_id, std::string_view document_id);

struct DocumentLink {
  std::string token_hash;  // hex SHA-256 of the token
  std::string facility_id;
  std::string document_id;
  std::string created_by_actor;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

class DocumentStore {
 public:
  explicit DocumentStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  sdk::Status insert(storage::Transaction& tx, const SharedDocument& d) const;

  sdk::Result<SharedDocument> get(storage::Transaction& tx, std::string_view facility_id,
                                  std::string_view consultation_id,
                                  std::string_view document_id) const;
  // Without the consultation (a link names only the document).
  sdk::Result<SharedDocument> get_by_id(storage::Transaction& tx, std::string_view facility_id,
                                        std::string_view document_id) const;

  // The consultation's documents in the order they were shared.
  sdk::Result<std::vector<SharedDocument>> list(storage::Transaction& tx,
                                                std::string_view facility_id,
                                                std::string_view consultation_id) const;

  // Records the EHR's DocumentReference id for the document; kNotFound when
  // the facility has no such document.
  sdk::Status set_ehr_document(storage::Transaction& tx, std::string_view facility_id,
                               std::string_view document_id,
                               std::string_view ehr_document_id) const;

  sdk::Status insert_link(storage::Transaction& tx, const DocumentLink& link) const;
  // The link whose token hashes to `token_hash`, expired or not; kNotFound
  // when there is none.
  sdk::Result<DocumentLink> find_link(storage::Transaction& tx, std::string_view token_hash) const;
  // Deletes the facility's links that expired before `now_ms`; how many.
  sdk::Result<std::int64_t> delete_expired_links(storage::Transaction& tx,
                                                 std::string_view facility_id,
                                                 std::int64_t now_ms) const;

 private:
  sdk::Result<SharedDocument> from_row(const storage::Row& row) const;

  const records::CellCipher& cipher_;
};

}  // namespace wasl::clinical
