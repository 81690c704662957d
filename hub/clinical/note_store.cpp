#include "hub/clinical/note_store.hpp"

#include <utility>

namespace wasl::clinical {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kNoteTable = "clinical_notes";
constexpr std::string_view kContentColumn = "content_enc";

constexpr std::string_view kNoteSelect =
    "SELECT id, facility_id, consultation_id, version, amends, status, language, content_enc, "
    "author_actor, author_practitioner, created_at, updated_at, signed_at FROM clinical_notes ";

storage::Value optional_text(const std::optional<std::string>& v) {
  return v ? storage::Value{*v} : storage::null_value();
}

Error not_found_note(std::string_view id) {
  return Error(ErrorCode::kNotFound, "note " + std::string(id) + " does not exist");
}

Error signed_already(std::string_view id) {
  return Error(ErrorCode::kFailedPrecondition,
               "note " + std::string(id) + " is signed and cannot change");
}

}  // namespace

Result<std::string> NoteStore::seal(const std::string& note_id, const NoteContent& content) const {
  const nlohmann::json j{{"subjective", content.subjective},
                         {"objective", content.objective},
                         {"assessment", content.assessment},
                         {"plan", content.plan},
                         {"text", content.text}};
  return cipher_.encrypt(kNoteTable, kContentColumn, note_id, j.dump());
}

Status NoteStore::insert(storage::Transaction& tx, const ClinicalNote& note) const {
  if (note.id.empty() || note.facility_id.empty() || note.consultation_id.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a note needs an id, a facility id and a consultation id");
  }
  if (note.amends) {
    WASL_ASSIGN_OR_RETURN(auto existing, amended_by(tx, note.facility_id, *note.amends));
    if (existing) {
      return Error(ErrorCode::kAlreadyExists,
                   "note " + *note.amends + " was amended already by " + *existing);
    }
  }
  WASL_ASSIGN_OR_RETURN(std::string sealed, seal(note.id, note.content));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO clinical_notes (id, facility_id, consultation_id, version, amends, status, "
      "language, content_enc, author_actor, author_practitioner, created_at, updated_at, "
      "signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
      {note.id, note.facility_id, note.consultation_id, note.version, optional_text(note.amends),
       std::string(to_string(note.status)), std::string(to_string(note.language)),
       storage::Blob{std::move(sealed)}, note.author.actor, optional_text(note.author.practitioner),
       note.created_at, note.updated_at,
       note.signed_at ? storage::Value{*note.signed_at} : storage::null_value()}));
  return {};
}

Result<ClinicalNote> NoteStore::from_row(const storage::Row& row) const {
  ClinicalNote n;
  WASL_ASSIGN_OR_RETURN(n.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(n.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(n.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(n.version, row.get_int("version"));
  if (!row.is_null("amends")) {
    WASL_ASSIGN_OR_RETURN(std::string amends, row.get_text("amends"));
    n.amends = std::move(amends);
  }
  WASL_ASSIGN_OR_RETURN(std::string status, row.get_text("status"));
  WASL_ASSIGN_OR_RETURN(std::string language, row.get_text("language"));
  auto parsed_status = parse_record_status(status);
  auto parsed_language = parse_language(language);
  if (!parsed_status || *parsed_status == RecordStatus::kCancelled || !parsed_language) {
    return Error(ErrorCode::kInternal,
                 "note " + n.id + " has an unknown status or language in the database");
  }
  n.status = *parsed_status;
  n.language = *parsed_language;
  WASL_ASSIGN_OR_RETURN(std::string sealed, row.get_blob("content_enc"));
  WASL_ASSIGN_OR_RETURN(std::string plain,
                        cipher_.decrypt(kNoteTable, kContentColumn, n.id, sealed));
  const nlohmann::json j = nlohmann::json::parse(plain, nullptr, false);
  if (!j.is_object()) {
    return Error(ErrorCode::kInternal, "note " + n.id + " holds content that is not JSON");
  }
  n.content.subjective = j.value("subjective", "");
  n.content.objective = j.value("objective", "");
  n.content.assessment = j.value("assessment", "");
  n.content.plan = j.value("plan", "");
  n.content.text = j.value("text", "");
  WASL_ASSIGN_OR_RETURN(n.author.actor, row.get_text("author_actor"));
  if (!row.is_null("author_practitioner")) {
    WASL_ASSIGN_OR_RETURN(std::string practitioner, row.get_text("author_practitioner"));
    n.author.practitioner = std::move(practitioner);
  }
  WASL_ASSIGN_OR_RETURN(n.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(n.updated_at, row.get_int("updated_at"));
  if (!row.is_null("signed_at")) {
    WASL_ASSIGN_OR_RETURN(std::int64_t signed_at, row.get_int("signed_at"));
    n.signed_at = signed_at;
  }
  return n;
}

Result<ClinicalNote> NoteStore::get(storage::Transaction& tx, std::string_view facility_id,
                                    std::string_view consultation_id,
                                    std::string_view note_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(
          std::string(kNoteSelect) + "WHERE facility_id = $1 AND consultation_id = $2 AND id = $3",
          {std::string(facility_id), std::string(consultation_id), std::string(note_id)}));
  if (rows.empty()) return not_found_note(note_id);
  return from_row(rows.front());
}

Result<std::vector<ClinicalNote>> NoteStore::list(storage::Transaction& tx,
                                                  std::string_view facility_id,
                                                  std::string_view consultation_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kNoteSelect) +
                   "WHERE facility_id = $1 AND consultation_id = $2 ORDER BY created_at, version, "
                   "id",
               {std::string(facility_id), std::string(consultation_id)}));
  std::vector<ClinicalNote> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(ClinicalNote n, from_row(row));
    out.push_back(std::move(n));
  }
  return out;
}

Result<std::optional<std::string>> NoteStore::amended_by(storage::Transaction& tx,
                                                         std::string_view facility_id,
                                                         std::string_view note_id) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id FROM clinical_notes WHERE facility_id = $1 AND amends = $2",
               {std::string(facility_id), std::string(note_id)}));
  if (rows.empty()) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string id, rows.front().get_text(0));
  return std::optional<std::string>(std::move(id));
}

Result<ClinicalNote> NoteStore::update_draft(storage::Transaction& tx, std::string_view facility_id,
                                             std::string_view consultation_id,
                                             std::string_view note_id, Language language,
                                             const NoteContent& content,
                                             std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(ClinicalNote note, get(tx, facility_id, consultation_id, note_id));
  if (note.status != RecordStatus::kDraft) return signed_already(note_id);
  WASL_ASSIGN_OR_RETURN(std::string sealed, seal(note.id, content));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE clinical_notes SET language = $1, content_enc = $2, updated_at = $3 "
              "WHERE facility_id = $4 AND consultation_id = $5 AND id = $6 AND status = 'draft'",
              {std::string(to_string(language)), storage::Blob{std::move(sealed)}, now_ms,
               std::string(facility_id), std::string(consultation_id), std::string(note_id)}));
  if (changed == 0) return signed_already(note_id);
  return get(tx, facility_id, consultation_id, note_id);
}

Result<ClinicalNote> NoteStore::sign(storage::Transaction& tx, std::string_view facility_id,
                                     std::string_view consultation_id, std::string_view note_id,
                                     std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec(
          "UPDATE clinical_notes SET status = 'signed', signed_at = $1, updated_at = $1 "
          "WHERE facility_id = $2 AND consultation_id = $3 AND id = $4 AND status = 'draft'",
          {now_ms, std::string(facility_id), std::string(consultation_id), std::string(note_id)}));
  if (changed == 0) {
    WASL_ASSIGN_OR_RETURN(ClinicalNote note, get(tx, facility_id, consultation_id, note_id));
    return signed_already(note.id);
  }
  return get(tx, facility_id, consultation_id, note_id);
}

}  // namespace wasl::clinical
