// RecordingArchive: moves a recording from a video provider into the hub's
// encrypted archive, in constant memory.
//
// archive() does, for one provider recording of one consultation:
//  1. finds or creates its `recordings` row (unique per consultation and
//     provider recording id) in state "downloading" — so a retry, or two
//     workers racing after a lease takeover, work on the one row;
//  2. streams VideoProvider::fetch_media through an ArchiveStream: the
//     plaintext SHA-256 and a StreamEncryptor (active key) on threads of
//     their own, into the object "<facility>/<recording id>.<key id>.wse" of
//     the active object store (object_store::ObjectStores), written kept
//     until the recording's retention date where the store locks objects
//     (the date is fixed when archiving starts), which becomes
//     visible only when complete (for the local store: a temporary file, one
//     fsync, rename, fsync directory); memory stays fixed (about 12 MiB)
//     whatever the size;
//  3. in ONE transaction: marks the row archived (the store's locator of the
//     object, plaintext size, SHA-256, key id, duration, retention date) and
//     appends the audit event "recording.archive";
//  4. after the commit, when asked, calls VideoProvider::release_media so
//     the provider deletes its copy (data minimisation); kUnimplemented means
//     the provider keeps nothing to delete; any other error is logged and
//     reported in the result, never fatal: the archive already succeeded.
// An archived row is answered as it is (step 4 is still attempted, so a crash
// between commit and release is repaired by the retry).
//
// Errors: kInvalidArgument (request fields), kNotFound (the consultation is
// not in the facility), kFailedPrecondition (the recording was deleted by
// retention; or the provider's media is still processing — retryable, as the
// provider said), the provider's own error from fetch_media unchanged
// (retryable ones stay retryable), kUnavailable for file system failures,
// storage errors. On any error the unfinished object is aborted and the row
// stays "downloading" (state "failed" when the error is permanent).
//
// Thread-safe: concurrent archive() calls share nothing but the database and
// the object stores (both thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "hub/archive/archive_stream.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/domain/recording.hpp"
#include "hub/object_store/object_stores.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::archive {

// 7 years of 365 days, the default retention of a recording.
inline constexpr std::int64_t kDefaultRetentionDays = 2555;

struct RecordingArchiveOptions {
  // Retention when a request names none, and per facility (facility id → days).
  std::int64_t default_retention_days = kDefaultRetentionDays;
  std::map<std::string, std::int64_t> facility_retention_days;
  // Wall clock; unset = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // The download → digest and encryption → file pipeline's buffers.
  ArchiveStreamOptions stream;
};

struct ArchiveRequest {
  std::string facility_id;
  std::string consultation_id;
  std::string media_id;        // the provider's recording/composition id (MediaRef)
  std::string video_instance;  // for the audit detail and logs
  std::string room_id;         // optional; for the audit detail
  std::string content_type;    // optional; the provider's answer wins when it names one
  std::optional<std::int64_t> retention_days;  // unset = the facility's retention
  std::optional<std::int64_t> duration_ms;     // when the caller knows it
  bool release_after_archive = false;          // call release_media after the commit
  std::string actor = "system";                // audit actor
  std::string request_id;                      // audit request id (e.g. the run id)
};

enum class ReleaseOutcome {
  kNotAsked,     // release_after_archive was false
  kReleased,     // the provider deleted its copy (or had none)
  kUnsupported,  // the provider answered kUnimplemented
  kFailed,       // any other error (logged; see release_error)
};
std::string_view to_string(ReleaseOutcome outcome);  // "not_asked", "released", …

struct ArchiveResult {
  domain::Recording recording;    // the archived row
  std::string content_type;       // what the provider said it streamed (or the request's)
  bool already_archived = false;  // found archived: nothing was downloaded
  ReleaseOutcome release = ReleaseOutcome::kNotAsked;
  std::optional<sdk::Error> release_error;
};

class RecordingArchive {
 public:
  // `keyring` is called once per archive() for the current keyring (so a key
  // rotation that replaces it is picked up). New objects go to
  // `objects.active()`. Store, writer, object stores and keyring source must
  // outlive this object.
  RecordingArchive(storage::Store& store, const audit::AuditWriter& audit,
                   object_store::ObjectStores& objects,
                   std::function<std::shared_ptr<const crypto::Keyring>()> keyring,
                   RecordingArchiveOptions options = {});

  sdk::Result<ArchiveResult> archive(const ArchiveRequest& request, sdk::VideoProvider& video);

  // Retention of `facility_id` in days (its own, else the default).
  std::int64_t retention_days_of(const std::string& facility_id) const;
  const RecordingArchiveOptions& options() const { return options_; }

 private:
  sdk::Result<domain::Recording> find_or_create_row(const ArchiveRequest& request,
                                                    std::int64_t now_ms);
  sdk::Status mark_failed(const ArchiveRequest& request, const std::string& id);
  void release(const ArchiveRequest& request, sdk::VideoProvider& video, ArchiveResult& result);
  std::int64_t now_ms() const;

  storage::Store& store_;
  const audit::AuditWriter& audit_;
  object_store::ObjectStores& objects_;
  std::function<std::shared_ptr<const crypto::Keyring>()> keyring_;
  RecordingArchiveOptions options_;
};

// True for ids safe as one component of an object key: 1-128 of
// [A-Za-z0-9._-], not "."/"..".
bool is_safe_path_component(std::string_view id);

}  // namespace wasl::archive
