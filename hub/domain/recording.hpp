// Recording: one archived, stream-encrypted recording of a consultation.
//
// storage_path is the locator of the recording's object in an object store
// (hub/object_store/: a path under archive.root for the local store). The
// object is in the streaming format of hub/crypto/stream_cipher.hpp under
// key_id; size_bytes is the PLAINTEXT size (what StreamRangeDecryptor
// needs) and plaintext_sha256 the
// lowercase hex SHA-256 of the plaintext. Files archived since stream
// bindings are bound to their row (recording_stream_binding): a file moved to
// another recording's storage_path, or another facility's, does not decrypt.
//
// JSON wire form: {"id", "consultation_id", "provider_recording_id",
// "size_bytes", "duration_ms", "plaintext_sha256", "retention_until",
// "legal_hold", "state", "created_at", "deleted_at"}. storage_path and
// key_id are internal and never on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wasl::domain {

enum class RecordingState { kPending, kDownloading, kArchived, kFailed, kDeleted };
std::string_view to_string(RecordingState s);  // "pending", "downloading", "archived", …
std::optional<RecordingState> parse_recording_state(std::string_view name);

// The stream cipher's binding of a recording's file: its facility and id.
// Both are path-safe ids (no newline), so the text is unambiguous.
inline std::string recording_stream_binding(std::string_view facility_id,
                                            std::string_view recording_id) {
  std::string binding = "wasl-recording\n";
  binding.append(facility_id).append("\n").append(recording_id);
  return binding;
}

struct Recording {
  std::string id;
  std::string consultation_id;
  std::string facility_id;
  std::optional<std::string> provider_recording_id;
  std::optional<std::string> storage_path;
  std::optional<std::int64_t> size_bytes;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::string> plaintext_sha256;
  std::optional<std::string> key_id;
  std::optional<std::int64_t> retention_until;  // epoch ms UTC
  bool legal_hold = false;
  RecordingState state = RecordingState::kPending;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> deleted_at;
  bool operator==(const Recording&) const = default;
};

void to_json(nlohmann::json& j, const Recording& v);
void from_json(const nlohmann::json& j, Recording& v);

}  // namespace wasl::domain
