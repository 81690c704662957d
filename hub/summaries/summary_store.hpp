// SummaryStore: the consultations' visit summaries (visit_summaries), their
// HTML and PDF encrypted (html_enc, pdf_enc, records::CellCipher), and the
// time-limited links that hand a summary to its patient
// (visit_summary_links).
//
// Why encrypted columns and not the object store the recordings use: a
// summary is a few tens of kilobytes (its PDF is capped by
// kMaxSummaryPdfBytes), so it fits a cell; written in the cell it commits
// in the same transaction as its audit event and the workflow step that
// built it, which a write to an object store cannot join; and the key
// rotation re-encrypts it with every other encrypted column.
//
// A link's code is 32 random bytes (base64url), answered once by mint_link
// and stored only as its SHA-256. The caller's transaction and the caller's
// facility in every statement but resolve_link (the code names its row, and
// the row its facility): another facility's summary is kNotFound, exactly
// like a missing one. The caller appends the audit event in the same
// transaction. Thread-safe; the cipher is borrowed and outlives the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::summaries {

struct StoredSummary {
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  std::string note_id;   // the signed note version it was built from
  std::string language;  // "ar" or "en"
  std::string html;      // PHI
  std::string pdf;       // PHI
  std::string pdf_sha256;
  std::int64_t pdf_size = 0;
  std::int64_t link_expires_at = 0;  // epoch ms: the patient's links work until then
  std::int64_t created_at = 0;       // epoch ms
};

// What a link names.
struct SummaryLink {
  std::string facility_id;
  std::string consultation_id;
  std::string summary_id;
  std::int64_t expires_at = 0;  // epoch ms; the link works while now < expires_at
};

class SummaryStore {
 public:
  explicit SummaryStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // Inserts `summary` (pdf_sha256 and pdf_size computed here).
  // kAlreadyExists when the consultation has a summary already.
  sdk::Status insert(storage::Transaction& tx, const StoredSummary& summary) const;

  // The consultation's summary; kNotFound when it has none or is not the
  // facility's. `with_content` false leaves html and pdf empty and decrypts
  // nothing.
  sdk::Result<StoredSummary> get(storage::Transaction& tx, std::string_view facility_id,
                                 std::string_view consultation_id, bool with_content) const;

  // A new link to the summary, working until `expires_at`; answers its code.
  static sdk::Result<std::string> mint_link(storage::Transaction& tx, const SummaryLink& link,
                                            std::int64_t now_ms);
  // The link `code` names (expired or not); nullopt for a code no link has.
  static sdk::Result<std::optional<SummaryLink>> resolve_link(storage::Transaction& tx,
                                                              std::string_view code);

 private:
  const records::CellCipher& cipher_;
};

}  // namespace wasl::summaries
