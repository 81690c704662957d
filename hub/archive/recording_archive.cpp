#include "hub/archive/recording_archive.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/domain/recording.hpp"
#include "hub/plugin_host/call_budget.hpp"
#include "hub/records/recording_store.hpp"

namespace wasl::archive {

using domain::Recording;
using domain::RecordingState;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

// Removes an object this attempt wrote but no row points at; a failure is
// only logged (the object is unreferenced, and the archive's answer stands).
void drop_object(object_store::ObjectStore& objects, const std::string& key,
                 const std::string& recording_id) {
  if (Status removed = objects.remove(key); !removed.ok()) {
    spdlog::warn("recording {}: the unused object {} of the {} store was not removed: {}",
                 recording_id, key, objects.kind(), removed.error().message);
  }
}

}  // namespace

std::string_view to_string(ReleaseOutcome outcome) {
  switch (outcome) {
    case ReleaseOutcome::kNotAsked: return "not_asked";
    case ReleaseOutcome::kReleased: return "released";
    case ReleaseOutcome::kUnsupported: return "unsupported";
    case ReleaseOutcome::kFailed: return "failed";
  }
  return "failed";
}

bool is_safe_path_component(std::string_view id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

RecordingArchive::RecordingArchive(storage::Store& store, const audit::AuditWriter& audit,
                                   object_store::ObjectStores& objects,
                                   std::function<std::shared_ptr<const crypto::Keyring>()> keyring,
                                   RecordingArchiveOptions options)
    : store_(store),
      audit_(audit),
      objects_(objects),
      keyring_(std::move(keyring)),
      options_(std::move(options)) {}

std::int64_t RecordingArchive::now_ms() const {
  auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

std::int64_t RecordingArchive::retention_days_of(const std::string& facility_id) const {
  auto it = options_.facility_retention_days.find(facility_id);
  return it != options_.facility_retention_days.end() ? it->second
                                                      : options_.default_retention_days;
}

Result<Recording> RecordingArchive::find_or_create_row(const ArchiveRequest& request,
                                                       std::int64_t now_ms) {
  records::RecordingStore recordings;
  // Two attempts: a concurrent archive of the same recording may insert
  // between our read and our insert; the second read then finds its row.
  for (int attempt = 0; attempt < 2; ++attempt) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(
        auto found, recordings.find_by_provider_id(*tx, request.facility_id,
                                                   request.consultation_id, request.media_id));
    if (found) {
      tx->rollback();
      return *found;
    }
    Recording row;
    WASL_ASSIGN_OR_RETURN(std::string random, crypto::random_bytes(16));
    row.id = crypto::to_hex(random);
    row.consultation_id = request.consultation_id;
    row.facility_id = request.facility_id;
    row.provider_recording_id = request.media_id;
    row.state = RecordingState::kDownloading;
    row.created_at = now_ms;
    Status inserted = recordings.insert(*tx, row);
    if (inserted.ok()) inserted = tx->commit();
    if (inserted.ok()) return row;
    if (inserted.error().code != ErrorCode::kAlreadyExists) return inserted.error();
  }
  return Error(ErrorCode::kConflict,
               "the recording row was changed concurrently; retry the archive", true);
}

Status RecordingArchive::mark_failed(const ArchiveRequest& request, const std::string& id) {
  records::RecordingStore recordings;
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(Recording row, recordings.get(*tx, request.facility_id, id));
  if (row.state != RecordingState::kDownloading && row.state != RecordingState::kPending) {
    return {};
  }
  WASL_RETURN_IF_ERROR(recordings.set_state(*tx, request.facility_id, id, RecordingState::kFailed));
  return tx->commit();
}

void RecordingArchive::release(const ArchiveRequest& request, sdk::VideoProvider& video,
                               ArchiveResult& result) {
  if (!request.release_after_archive) return;
  Status released = video.release_media(sdk::MediaRef{request.media_id});
  if (released.ok()) {
    result.release = ReleaseOutcome::kReleased;
  } else if (released.error().code == ErrorCode::kUnimplemented) {
    result.release = ReleaseOutcome::kUnsupported;
  } else {
    result.release = ReleaseOutcome::kFailed;
    result.release_error = released.error();
    spdlog::warn(
        "recording {} of facility {} is archived, but video instance '{}' could not delete "
        "the provider's copy ({}): {}; delete it at the provider or retry the step",
        result.recording.id, request.facility_id, request.video_instance,
        sdk::to_string(released.error().code), released.error().message);
  }
}

Result<ArchiveResult> RecordingArchive::archive(const ArchiveRequest& request,
                                                sdk::VideoProvider& video) {
  if (!is_safe_path_component(request.facility_id)) {
    return invalid("the facility id must be 1-128 characters of letters, digits, '.', '_', '-'");
  }
  if (request.consultation_id.empty()) return invalid("archiving needs a consultation id");
  if (request.media_id.empty()) return invalid("archiving needs the provider's media_id");
  if (request.retention_days && *request.retention_days <= 0) {
    return invalid("retention_days must be a positive number of days");
  }
  std::shared_ptr<const crypto::Keyring> keyring = keyring_ ? keyring_() : nullptr;
  if (!keyring) {
    return Error(ErrorCode::kFailedPrecondition, "no keyring is loaded for the archive", false);
  }

  const std::int64_t started = now_ms();
  WASL_ASSIGN_OR_RETURN(Recording row, find_or_create_row(request, started));
  ArchiveResult result;
  result.content_type = request.content_type;
  if (row.state == RecordingState::kArchived) {
    result.recording = std::move(row);
    result.already_archived = true;
    release(request, video, result);
    return result;
  }
  if (row.state == RecordingState::kDeleted) {
    return Error(ErrorCode::kFailedPrecondition,
                 "recording " + row.id + " was archived and has since been deleted", false);
  }

  // Stream: provider → SHA-256 and encryption, side by side → the active
  // store's object, visible once committed.
  object_store::ObjectStore& objects = objects_.active();
  const std::string key =
      request.facility_id + "/" + row.id + "." + keyring->active_key_id() + ".wse";
  // The retention date is fixed before the object is written: a store that
  // locks objects (S3 Object Lock) keeps it exactly until the row's date.
  const std::int64_t days = request.retention_days.value_or(retention_days_of(request.facility_id));
  object_store::Retention retention;
  retention.until_ms = started + days * kDayMs;
  WASL_ASSIGN_OR_RETURN(std::unique_ptr<object_store::ObjectWriter> object,
                        objects.create_retained(key, retention));
  WASL_ASSIGN_OR_RETURN(
      std::unique_ptr<ArchiveStream> stream,
      ArchiveStream::open(*keyring, std::move(object), options_.stream,
                          domain::recording_stream_binding(request.facility_id, row.id)));
  // The sink stops taking chunks once the call it serves is cancelled or out
  // of time (plugin_host/call_budget.hpp): a stopping hub does not wait for
  // the rest of a long recording.
  auto fetched = video.fetch_media(
      sdk::MediaRef{request.media_id}, [&stream](std::string_view chunk) -> Status {
        WASL_RETURN_IF_ERROR(plugin_host::call_may_continue("archiving the media"));
        return stream->write(chunk);
      });
  const std::uint64_t received = stream->plaintext_bytes();
  Status streamed = fetched.ok() ? Status() : Status(fetched.error());
  if (streamed.ok() && fetched->size_bytes > 0 &&
      static_cast<std::uint64_t>(fetched->size_bytes) != received) {
    streamed = Error(ErrorCode::kUnavailable,
                     "the provider reported " + std::to_string(fetched->size_bytes) +
                         " bytes of media but streamed " + std::to_string(received),
                     true);
  }
  std::optional<ArchivedStream> written;
  if (streamed.ok()) {
    auto finished = stream->finish();
    if (finished.ok()) {
      written = std::move(finished).value();
    } else {
      streamed = finished.error();
    }
  }
  stream.reset();  // an unfinished stream aborts its object
  if (!streamed.ok()) {
    if (!streamed.error().retryable) {
      if (Status marked = mark_failed(request, row.id); !marked.ok()) {
        spdlog::warn("recording {}: could not mark the failed archive: {}", row.id,
                     marked.error().message);
      }
    }
    return streamed.error();
  }
  if (!fetched->content_type.empty()) result.content_type = fetched->content_type;
  const std::string& sha256_hex = written->sha256_hex;

  // One transaction: the row and its audit event.
  records::ArchivedFile archived;
  archived.storage_path = objects.locator(key);
  archived.size_bytes = static_cast<std::int64_t>(received);
  archived.plaintext_sha256 = sha256_hex;
  archived.key_id = written->key_id;
  archived.duration_ms = request.duration_ms;
  archived.retention_until = retention.until_ms;

  records::RecordingStore recordings;
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(Recording current, recordings.get(*tx, request.facility_id, row.id));
  if (current.state == RecordingState::kArchived) {
    // A concurrent attempt committed first; keep its object, drop ours unless
    // it is the very same one (then ours replaced it with equal plaintext).
    tx->rollback();
    if (current.storage_path && *current.storage_path != archived.storage_path) {
      drop_object(objects, key, row.id);
    }
    result.recording = std::move(current);
    result.already_archived = true;
    release(request, video, result);
    return result;
  }
  if (current.state == RecordingState::kDeleted) {
    // Deleted while this attempt was downloading: do not bring it back.
    tx->rollback();
    drop_object(objects, key, row.id);
    return Error(ErrorCode::kFailedPrecondition,
                 "recording " + row.id + " was deleted while it was being archived", false);
  }
  WASL_RETURN_IF_ERROR(recordings.mark_archived(*tx, request.facility_id, row.id, archived));
  audit::AuditEvent event;
  event.occurred_at = now_ms();
  event.actor = request.actor.empty() ? "system" : request.actor;
  event.facility_id = request.facility_id;
  event.action = "recording.archive";
  event.entity_type = "recording";
  event.entity_id = row.id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.request_id = request.request_id;
  nlohmann::json detail = {{"consultation_id", request.consultation_id},
                           {"size_bytes", archived.size_bytes},
                           {"key_id", archived.key_id},
                           {"retention_until", *archived.retention_until}};
  if (!request.video_instance.empty()) detail["video_instance"] = request.video_instance;
  event.detail = detail.dump();
  WASL_RETURN_IF_ERROR(audit_.append(*tx, event));
  WASL_RETURN_IF_ERROR(tx->commit());

  WASL_ASSIGN_OR_RETURN(auto read_tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(result.recording, recordings.get(*read_tx, request.facility_id, row.id));
  read_tx->rollback();
  release(request, video, result);
  return result;
}

}  // namespace wasl::archive
