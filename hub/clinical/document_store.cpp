#include "hub/clinical/document_store.hpp"

#include <utility>

namespace wasl::clinical {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kTable = "shared_documents";
constexpr std::string_view kNameColumn = "name_enc";

constexpr std::string_view kSelect =
    "SELECT id, facility_id, consultation_id, doc_type, name_enc, storage_path, size_bytes, "
    "sha256_hex, key_id, scanned_by, uploaded_by_actor, uploaded_by_practitioner, created_at, "
    "ehr_document_id FROM shared_documents ";

std::optional<DocumentType> parse_type(std::string_view text) {
  if (text == "pdf") return DocumentType::kPdf;
  if (text == "jpeg") return DocumentType::kJpeg;
  if (text == "png") return DocumentType::kPng;
  return std::nullopt;
}

}  // namespace

nlohmann::json document_json(const SharedDocument& d, bool with_name) {
  nlohmann::json j{{"id", d.id},
                   {"consultation_id", d.consultation_id},
                   {"type", std::string(to_string(d.type))},
                   {"content_type", std::string(media_type(d.type))},
                   {"size_bytes", d.size_bytes},
                   {"created_at", d.created_at},
                   {"uploaded_by", d.uploaded_by.actor}};
  j["attached_to_record"] = d.ehr_document_id.has_value();
  if (with_name) {
    j["name"] = d.name;
    j["sha256_hex"] = d.sha256_hex;
  }
  return j;
}

std::string document_stream_binding(std::string_view facility_id, std::string_view document_id) {
  return "shared_document\n" + std::string(facility_id) + "\n" + std::string(document_id);
}

Status DocumentStore::insert(storage::Transaction& tx, const SharedDocument& d) const {
  if (d.id.empty() || d.facility_id.empty() || d.consultation_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a document needs an id, a facility id and a consultation id");
  }
  WASL_ASSIGN_OR_RETURN(std::string sealed, cipher_.encrypt(kTable, kNameColumn, d.id, d.name));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO shared_documents (id, facility_id, consultation_id, doc_type, name_enc, "
      "storage_path, size_bytes, sha256_hex, key_id, scanned_by, uploaded_by_actor, "
      "uploaded_by_practitioner, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, $12, $13)",
      {d.id, d.facility_id, d.consultation_id, std::string(to_string(d.type)),
       storage::Blob{std::move(sealed)}, d.storage_path, d.size_bytes, d.sha256_hex, d.key_id,
       d.scanned_by, d.uploaded_by.actor,
       d.uploaded_by.practitioner ? storage::Value{*d.uploaded_by.practitioner}
                                  : storage::null_value(),
       d.created_at}));
  return {};
}

Result<SharedDocument> DocumentStore::from_row(const storage::Row& row) const {
  SharedDocument d;
  WASL_ASSIGN_OR_RETURN(d.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(d.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(d.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(std::string type, row.get_text("doc_type"));
  auto parsed = parse_type(type);
  if (!parsed) {
    return Error(ErrorCode::kInternal, "document " + d.id + " has an unknown type in the database");
  }
  d.type = *parsed;
  WASL_ASSIGN_OR_RETURN(std::string sealed, row.get_blob("name_enc"));
  WASL_ASSIGN_OR_RETURN(d.name, cipher_.decrypt(kTable, kNameColumn, d.id, sealed));
  WASL_ASSIGN_OR_RETURN(d.storage_path, row.get_text("storage_path"));
  WASL_ASSIGN_OR_RETURN(d.size_bytes, row.get_int("size_bytes"));
  WASL_ASSIGN_OR_RETURN(d.sha256_hex, row.get_text("sha256_hex"));
  WASL_ASSIGN_OR_RETURN(d.key_id, row.get_text("key_id"));
  WASL_ASSIGN_OR_RETURN(d.scanned_by, row.get_text("scanned_by"));
  WASL_ASSIGN_OR_RETURN(d.uploaded_by.actor, row.get_text("uploaded_by_actor"));
  if (!row.is_null("uploaded_by_practitioner")) {
    WASL_ASSIGN_OR_RETURN(std::string practitioner, row.get_text("uploaded_by_practitioner"));
    d.uploaded_by.practitioner = std::move(practitioner);
  }
  WASL_ASSIGN_OR_RETURN(d.created_at, row.get_int("created_at"));
  if (!row.is_null("ehr_document_id")) {
    WASL_ASSIGN_OR_RETURN(std::string ehr, row.get_text("ehr_document_id"));
    d.ehr_document_id = std::move(ehr);
  }
  return d;
}

Result<SharedDocument> DocumentStore::get(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view consultation_id,
                                          std::string_view document_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kSelect) + "WHERE facility_id = $1 AND consultation_id = $2 AND id = $3",
               {std::string(facility_id), std::string(consultation_id), std::string(document_id)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound, "document " + std::string(document_id) + " does not exist");
  }
  return from_row(rows.front());
}

Result<SharedDocument> DocumentStore::get_by_id(storage::Transaction& tx,
                                                std::string_view facility_id,
                                                std::string_view document_id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kSelect) + "WHERE facility_id = $1 AND id = $2",
                                 {std::string(facility_id), std::string(document_id)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound, "document " + std::string(document_id) + " does not exist");
  }
  return from_row(rows.front());
}

Result<std::vector<SharedDocument>> DocumentStore::list(storage::Transaction& tx,
                                                        std::string_view facility_id,
                                                        std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kSelect) + "WHERE facility_id = $1 AND consultation_id = $2 "
                                      "ORDER BY created_at, id",
               {std::string(facility_id), std::string(consultation_id)}));
  std::vector<SharedDocument> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(SharedDocument d, from_row(row));
    out.push_back(std::move(d));
  }
  return out;
}

Status DocumentStore::set_ehr_document(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view document_id,
                                       std::string_view ehr_document_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("UPDATE shared_documents SET ehr_document_id = $1 WHERE facility_id = $2 AND "
               "id = $3 RETURNING id",
               {std::string(ehr_document_id), std::string(facility_id), std::string(document_id)}));
  if (rows.empty()) {
    return Error(ErrorCode::kNotFound, "document " + std::string(document_id) + " does not exist");
  }
  return {};
}

Status DocumentStore::insert_link(storage::Transaction& tx, const DocumentLink& link) const {
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO shared_document_links (token_hash, facility_id, document_id, "
              "created_by_actor, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
              {link.token_hash, link.facility_id, link.document_id, link.created_by_actor,
               link.created_at, link.expires_at}));
  return {};
}

Result<DocumentLink> DocumentStore::find_link(storage::Transaction& tx,
                                              std::string_view token_hash) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT token_hash, facility_id, document_id, created_by_actor, created_at, "
               "expires_at FROM shared_document_links WHERE token_hash = $1",
               {std::string(token_hash)}));
  if (rows.empty()) return Error(ErrorCode::kNotFound, "no such document link");
  const storage::Row& row = rows.front();
  DocumentLink link;
  WASL_ASSIGN_OR_RETURN(link.token_hash, row.get_text("token_hash"));
  WASL_ASSIGN_OR_RETURN(link.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(link.document_id, row.get_text("document_id"));
  WASL_ASSIGN_OR_RETURN(link.created_by_actor, row.get_text("created_by_actor"));
  WASL_ASSIGN_OR_RETURN(link.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(link.expires_at, row.get_int("expires_at"));
  return link;
}

Result<std::int64_t> DocumentStore::delete_expired_links(storage::Transaction& tx,
                                                         std::string_view facility_id,
                                                         std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("DELETE FROM shared_document_links WHERE facility_id = $1 AND expires_at < $2 "
               "RETURNING token_hash",
               {std::string(facility_id), now_ms}));
  return static_cast<std::int64_t>(rows.size());
}

}  // namespace wasl::clinical
