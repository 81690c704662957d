#include "hub/summaries/summary_store.hpp"

#include <utility>

#include "hub/crypto/digest.hpp"
#include "hub/crypto/random.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::summaries {
namespace {

using sdk::Error;
using sdk::ErrorCode;

constexpr std::string_view kTable = "visit_summaries";
constexpr std::size_t kCodeBytes = 32;
constexpr std::size_t kMaxCodeChars = 64;

}  // namespace

sdk::Status SummaryStore::insert(storage::Transaction& tx, const StoredSummary& s) const {
  if (s.id.empty() || s.facility_id.empty() || s.consultation_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a visit summary needs an id, a facility id and a consultation id");
  }
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT id FROM visit_summaries WHERE facility_id = $1 AND "
                                 "consultation_id = $2",
                                 {s.facility_id, s.consultation_id}));
  if (!existing.empty()) {
    return Error(ErrorCode::kAlreadyExists,
                 "consultation " + s.consultation_id + " has a visit summary already");
  }
  WASL_ASSIGN_OR_RETURN(std::string html, cipher_.encrypt(kTable, "html_enc", s.id, s.html));
  WASL_ASSIGN_OR_RETURN(std::string pdf, cipher_.encrypt(kTable, "pdf_enc", s.id, s.pdf));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO visit_summaries (id, facility_id, consultation_id, note_id, language, "
      "html_enc, pdf_enc, pdf_sha256, pdf_size, link_expires_at, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {s.id, s.facility_id, s.consultation_id, s.note_id, s.language,
       storage::Blob{std::move(html)}, storage::Blob{std::move(pdf)}, crypto::sha256_hex(s.pdf),
       static_cast<std::int64_t>(s.pdf.size()), s.link_expires_at, s.created_at}));
  return {};
}

sdk::Result<StoredSummary> SummaryStore::get(storage::Transaction& tx, std::string_view facility_id,
                                             std::string_view consultation_id,
                                             bool with_content) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string("SELECT id, facility_id, consultation_id, note_id, language, ") +
                   (with_content ? "html_enc, pdf_enc, " : "") +
                   "pdf_sha256, pdf_size, link_expires_at, created_at FROM visit_summaries "
                   "WHERE facility_id = $1 AND consultation_id = $2",
               {std::string(facility_id), std::string(consultation_id)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound,
                 "consultation " + std::string(consultation_id) + " has no visit summary");
  }
  const storage::Row& row = rows.front();
  StoredSummary s;
  WASL_ASSIGN_OR_RETURN(s.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(s.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(s.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(s.note_id, row.get_text("note_id"));
  WASL_ASSIGN_OR_RETURN(s.language, row.get_text("language"));
  WASL_ASSIGN_OR_RETURN(s.pdf_sha256, row.get_text("pdf_sha256"));
  WASL_ASSIGN_OR_RETURN(s.pdf_size, row.get_int("pdf_size"));
  WASL_ASSIGN_OR_RETURN(s.link_expires_at, row.get_int("link_expires_at"));
  WASL_ASSIGN_OR_RETURN(s.created_at, row.get_int("created_at"));
  if (with_content) {
    WASL_ASSIGN_OR_RETURN(std::string html, row.get_blob("html_enc"));
    WASL_ASSIGN_OR_RETURN(s.html, cipher_.decrypt(kTable, "html_enc", s.id, html));
    WASL_ASSIGN_OR_RETURN(std::string pdf, row.get_blob("pdf_enc"));
    WASL_ASSIGN_OR_RETURN(s.pdf, cipher_.decrypt(kTable, "pdf_enc", s.id, pdf));
  }
  return s;
}

sdk::Result<std::string> SummaryStore::mint_link(storage::Transaction& tx, const SummaryLink& link,
                                                 std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(std::string bytes, crypto::random_bytes(kCodeBytes));
  std::string code = sdk::base64url_encode(bytes);
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO visit_summary_links (code_hash, facility_id, consultation_id, "
              "summary_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
              {crypto::sha256_hex(code), link.facility_id, link.consultation_id, link.summary_id,
               link.expires_at, now_ms}));
  return code;
}

sdk::Result<std::optional<SummaryLink>> SummaryStore::resolve_link(storage::Transaction& tx,
                                                                   std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeChars) return std::optional<SummaryLink>();
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT facility_id, consultation_id, summary_id, expires_at "
                                 "FROM visit_summary_links WHERE code_hash = $1",
                                 {crypto::sha256_hex(code)}));
  if (rows.empty()) return std::optional<SummaryLink>();
  SummaryLink link;
  WASL_ASSIGN_OR_RETURN(link.facility_id, rows.front().get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(link.consultation_id, rows.front().get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(link.summary_id, rows.front().get_text("summary_id"));
  WASL_ASSIGN_OR_RETURN(link.expires_at, rows.front().get_int("expires_at"));
  return std::optional<SummaryLink>(std::move(link));
}

}  // namespace wasl::summaries
