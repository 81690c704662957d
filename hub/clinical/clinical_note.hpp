// ClinicalNote: one version of a clinician's note on a consultation, and
// its JSON form. A note is a draft until signed, then immutable; an
// amendment is a new version (version + 1) whose `amends` names the signed
// version it replaces, both kept (migrations/*/0034_clinical.sql).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wasl::clinical {

enum class RecordStatus { kDraft, kSigned, kCancelled };

// "draft", "signed", "cancelled".
std::string_view to_string(RecordStatus status);
std::optional<RecordStatus> parse_record_status(std::string_view text);

// The language a note's text or a prescription's instructions are written
// in: Arabic or English.
enum class Language { kArabic, kEnglish };

// "ar", "en".
std::string_view to_string(Language language);
std::optional<Language> parse_language(std::string_view text);

// What a note says: the SOAP sections and free text, any of them empty.
// PHI: stored encrypted (clinical_notes.content_enc), never logged.
struct NoteContent {
  std::string subjective;
  std::string objective;
  std::string assessment;
  std::string plan;
  std::string text;
  bool operator==(const NoteContent&) const = default;
};

// Who wrote a note or a prescription: the audit actor of the request
// ("apikey:<id>" or "person:<id>") and the clinician key's practitioner
// ("Practitioner/3"), when it has one.
struct Author {
  std::string actor;
  std::optional<std::string> practitioner;
};

struct ClinicalNote {
  std::string id;
  std::string facility_id;
  std::string consultation_id;
  std::int64_t version = 1;
  std::optional<std::string> amends;  // the signed version this one amends
  RecordStatus status = RecordStatus::kDraft;
  Language language = Language::kArabic;
  NoteContent content;
  Author author;
  std::int64_t created_at = 0;  // epoch ms
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> signed_at;
};

// The note's JSON form. `with_content` false leaves the sections and the
// text out (a role that may know a note exists, not what it says).
nlohmann::json note_json(const ClinicalNote& note, bool with_content);

}  // namespace wasl::clinical
