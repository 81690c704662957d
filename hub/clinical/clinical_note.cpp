#include "hub/clinical/clinical_note.hpp"

#include "hub/domain/timestamp.hpp"

namespace wasl::clinical {

std::string_view to_string(RecordStatus status) {
  switch (status) {
    case RecordStatus::kDraft: return "draft";
    case RecordStatus::kSigned: return "signed";
    case RecordStatus::kCancelled: return "cancelled";
  }
  return "draft";
}

std::optional<RecordStatus> parse_record_status(std::string_view text) {
  if (text == "draft") return RecordStatus::kDraft;
  if (text == "signed") return RecordStatus::kSigned;
  if (text == "cancelled") return RecordStatus::kCancelled;
  return std::nullopt;
}

std::string_view to_string(Language language) {
  return language == Language::kArabic ? "ar" : "en";
}

std::optional<Language> parse_language(std::string_view text) {
  if (text == "ar") return Language::kArabic;
  if (text == "en") return Language::kEnglish;
  return std::nullopt;
}

nlohmann::json note_json(const ClinicalNote& note, bool with_content) {
  nlohmann::json j{
      {"id", note.id},
      {"consultation_id", note.consultation_id},
      {"version", note.version},
      {"amends", note.amends ? nlohmann::json(*note.amends) : nlohmann::json()},
      {"status", std::string(to_string(note.status))},
      {"language", std::string(to_string(note.language))},
      {"author", note.author.actor},
      {"author_practitioner",
       note.author.practitioner ? nlohmann::json(*note.author.practitioner) : nlohmann::json()},
      {"created_at", domain::format_timestamp(note.created_at)},
      {"updated_at", domain::format_timestamp(note.updated_at)},
      {"signed_at", note.signed_at ? nlohmann::json(domain::format_timestamp(*note.signed_at))
                                   : nlohmann::json()}};
  if (with_content) {
    j["subjective"] = note.content.subjective;
    j["objective"] = note.content.objective;
    j["assessment"] = note.content.assessment;
    j["plan"] = note.content.plan;
    j["text"] = note.content.text;
  }
  return j;
}

}  // namespace wasl::clinical
