#include "hub/archive/retention_job.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "hub/jobs/period_lease.hpp"
#include "hub/records/recording_files.hpp"
#include "hub/records/recording_store.hpp"

namespace wasl::archive {

using domain::RecordingState;
using records::RecordingFiles;
using sdk::Result;
using sdk::Status;

RetentionJob::RetentionJob(storage::Store& store, const audit::AuditWriter& audit,
                           const object_store::ObjectStores& objects, RetentionOptions options)
    : store_(store), audit_(audit), objects_(objects), options_(std::move(options)) {
  if (options_.batch < 1) options_.batch = 1;
  if (options_.max_batches < 1) options_.max_batches = 1;
}

RetentionJob::~RetentionJob() { stop(); }

std::int64_t RetentionJob::now_ms() const {
  auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

Status RetentionJob::remove_object(const std::string& locator, std::int64_t& removed) {
  WASL_ASSIGN_OR_RETURN(object_store::ResolvedObject object, objects_.resolve(locator));
  WASL_RETURN_IF_ERROR(object.store.remove(object.key));
  ++removed;
  return {};
}

Status RetentionJob::check_removable(const std::string& facility, const std::string& id,
                                     std::int64_t now) {
  records::RecordingStore recordings;
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(domain::Recording r, recordings.get(*tx, facility, id));
  tx->rollback();
  if (r.legal_hold || !r.storage_path) return {};  // the deleting transaction decides
  WASL_ASSIGN_OR_RETURN(object_store::ResolvedObject object, objects_.resolve(*r.storage_path));
  return object.store.check_removable(object.key, now);
}

// Objects of deleted recordings whose removal did not happen (crash, store
// failure).
// Also the obsolete objects of live recordings (the old object of a key
// rotation or a migration) registered more than a day ago whose removal
// failed or was refused: a store that locks objects (S3 Object Lock) keeps
// them until their retain-until date, and they are removed once it allows.
Result<std::int64_t> RetentionJob::sweep_left_files() {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(auto paths, RecordingFiles::registered_of_deleted(*tx, 1000));
  std::int64_t removed = 0;
  for (const auto& locator : paths) {
    WASL_RETURN_IF_ERROR(remove_object(locator, removed));
    WASL_RETURN_IF_ERROR(RecordingFiles::unregister(*tx, locator));
  }
  WASL_ASSIGN_OR_RETURN(auto obsolete, RecordingFiles::registered_obsolete_before(
                                           *tx, now_ms() - options_.obsolete_age.count(), 1000));
  for (const auto& locator : obsolete) {
    Status gone = remove_object(locator, removed);
    if (!gone.ok() && gone.error().code == sdk::ErrorCode::kFailedPrecondition) continue;
    WASL_RETURN_IF_ERROR(gone);
    WASL_RETURN_IF_ERROR(RecordingFiles::unregister(*tx, locator));
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return removed;
}

Result<RetentionPass> RetentionJob::run_once() {
  RetentionPass pass;
  auto swept = sweep_left_files();
  if (swept.ok()) {
    pass.files_removed += *swept;
  } else {
    ++pass.failed;
    spdlog::warn("retention: removing files left by an earlier pass failed: {}",
                 swept.error().message);
  }
  records::RecordingStore recordings;
  const std::int64_t now = now_ms();
  // Ids this pass could not delete: not asked again in this pass.
  std::vector<std::string> passed_over;
  for (int batch = 0; batch < options_.max_batches; ++batch) {
    WASL_ASSIGN_OR_RETURN(auto list_tx, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(auto due,
                          RecordingFiles::expired(*list_tx, now, passed_over, options_.batch));
    list_tx->rollback();

    for (const records::ExpiredRecording& expired : due) {
      const std::string& id = expired.id;
      const std::string& facility = expired.facility_id;
      // A store that locks objects (S3 Object Lock) must allow the removal
      // before the row is marked deleted: while the object's retain-until
      // date has not passed, the recording stays as it is and is tried
      // again on a later pass.
      if (Status removable = check_removable(facility, id, now); !removable.ok()) {
        ++pass.failed;
        passed_over.push_back(id);
        spdlog::warn("retention: recording {} of facility {} stays for a later pass: {}", id,
                     facility, removable.error().message);
        continue;
      }
      auto deleted = [&]() -> Result<std::optional<std::string>> {
        WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
        WASL_ASSIGN_OR_RETURN(domain::Recording r, recordings.get(*tx, facility, id));
        if (r.state != RecordingState::kArchived || r.legal_hold || !r.retention_until ||
            *r.retention_until >= now) {
          return std::optional<std::string>();
        }
        WASL_RETURN_IF_ERROR(recordings.mark_deleted(*tx, facility, id, now));
        if (r.storage_path) {
          WASL_RETURN_IF_ERROR(RecordingFiles::register_obsolete(*tx, *r.storage_path, id, now));
        }
        audit::AuditEvent event;
        event.occurred_at = now;
        event.actor = "system";
        event.facility_id = facility;
        event.action = "recording.delete";
        event.entity_type = "recording";
        event.entity_id = id;
        event.outcome = std::string(audit::kOutcomeSuccess);
        event.detail = nlohmann::json{
            {"consultation_id", r.consultation_id},
            {"retention_until", *r.retention_until},
            {"key_id", r.key_id.value_or("")},
            {"reason",
             "retention"}}.dump();
        WASL_RETURN_IF_ERROR(audit_.append(*tx, event));
        WASL_RETURN_IF_ERROR(tx->commit());
        return std::optional<std::string>(r.storage_path.value_or(""));
      }();
      if (!deleted.ok()) {
        ++pass.failed;
        passed_over.push_back(id);
        spdlog::warn("retention: recording {} of facility {} was not deleted: {}", id, facility,
                     deleted.error().message);
        continue;
      }
      if (!*deleted) {
        ++pass.skipped;
        passed_over.push_back(id);
        continue;
      }
      ++pass.deleted;
      const std::string& locator = **deleted;
      if (locator.empty()) continue;
      Status removed = remove_object(locator, pass.files_removed);
      if (removed.ok()) {
        auto tx = store_.begin(storage::TxMode::kReadWrite);
        if (tx.ok() && RecordingFiles::unregister(**tx, locator).ok()) {
          (void)(*tx)->commit();
        }
      } else {
        ++pass.failed;
        spdlog::warn("retention: the object of deleted recording {} stays for the next pass: {}",
                     id, removed.error().message);
      }
    }
    if (static_cast<int>(due.size()) < options_.batch) break;
  }
  return pass;
}

Status RetentionJob::start() {
  if (!runner_) {
    WASL_ASSIGN_OR_RETURN(auto tick, jobs::once_per_period(
                                         store_, "archive.retention", options_.interval,
                                         [this]() -> Status {
                                           auto pass = run_once();
                                           if (!pass.ok()) return pass.error();
                                           if (pass->deleted > 0) {
                                             spdlog::info("retention: {} recording(s) deleted",
                                                          pass->deleted);
                                           }
                                           return {};
                                         },
                                         jobs::period_options(options_.clock, options_.metrics)));
    runner_ = std::make_unique<jobs::PeriodicRunner>("recording retention", options_.interval,
                                                     std::move(tick));
  }
  return runner_->start();
}

void RetentionJob::stop() {
  if (runner_) runner_->stop();
}

}  // namespace wasl::archive
