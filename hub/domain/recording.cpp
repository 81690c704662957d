#include "hub/domain/recording.hpp"

#include "hub/domain/enum_names.hpp"
#include "hub/domain/json_fields.hpp"

namespace wasl::domain {

using namespace json_fields;

namespace {

constexpr EnumNames<RecordingState, 5> kRecordingStateNames{{{
    {RecordingState::kPending, "pending"},
    {RecordingState::kDownloading, "downloading"},
    {RecordingState::kArchived, "archived"},
    {RecordingState::kFailed, "failed"},
    {RecordingState::kDeleted, "deleted"},
}}};

}  // namespace

std::string_view to_string(RecordingState s) { return kRecordingStateNames.name(s); }
std::optional<RecordingState> parse_recording_state(std::string_view name) {
  return kRecordingStateNames.parse(name);
}

void to_json(nlohmann::json& j, const Recording& v) {
  j = nlohmann::json::object();
  j["id"] = v.id;
  j["consultation_id"] = v.consultation_id;
  put_optional(j, "provider_recording_id", v.provider_recording_id);
  put_optional(j, "size_bytes", v.size_bytes);
  put_optional(j, "duration_ms", v.duration_ms);
  put_optional(j, "plaintext_sha256", v.plaintext_sha256);
  put_time(j, "retention_until", v.retention_until);
  j["legal_hold"] = v.legal_hold;
  j["state"] = to_string(v.state);
  j["created_at"] = format_timestamp(v.created_at);
  put_time(j, "deleted_at", v.deleted_at);
}

void from_json(const nlohmann::json& j, Recording& v) {
  v.id = j.value("id", std::string());
  v.consultation_id = j.value("consultation_id", std::string());
  get_optional(j, "provider_recording_id", v.provider_recording_id);
  get_optional(j, "size_bytes", v.size_bytes);
  get_optional(j, "duration_ms", v.duration_ms);
  get_optional(j, "plaintext_sha256", v.plaintext_sha256);
  get_time(j, "retention_until", v.retention_until);
  v.legal_hold = j.value("legal_hold", false);
  v.state =
      get_enum_or<RecordingState>(j, "state", parse_recording_state, RecordingState::kPending);
  std::optional<std::int64_t> created;
  get_time(j, "created_at", created);
  v.created_at = created.value_or(0);
  get_time(j, "deleted_at", v.deleted_at);
}

}  // namespace wasl::domain
