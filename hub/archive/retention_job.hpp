// RetentionJob: deletes recordings whose retention date has passed.
//
// A recording is due when state = archived, retention_until < now and no
// legal hold. Each one, in ONE transaction: the row is marked deleted
// (RecordingStore::mark_deleted: state, deleted_at, storage_path cleared —
// the key material reference goes with it), its object's locator is
// registered in recording_file_cleanup, and the audit event
// "recording.delete" (actor "system", detail {consultation_id,
// retention_until, key_id}) is appended. After the commit the object is
// removed from the store that holds it (object_store::ObjectStores::resolve;
// for the local store: unlink and fsync of the directory) and the cleanup
// entry dropped. A crash or a store failure between commit and removal
// leaves the entry, and the next run_once() removes the object first.
//
// A store that locks objects (S3 Object Lock) is asked first whether the
// object can go (ObjectStore::check_removable): while its retain-until date
// has not passed the row is left as it is (counted failed, tried again next
// pass), never marked deleted; a legal hold the object carries although the
// row holds none (a hold change whose transaction failed after the store's
// call) is turned off there. Removal deletes every version of the object.
//
// A legal hold set before the deleting transaction reads the row stops the
// deletion (mark_deleted refuses it); the hold is re-read inside that
// transaction, so a hold set after the due-list was read still wins.
//
// Thread-safety: run_once() may be called from several processes at once
// (each recording is deleted once: a second deleter finds it deleted and
// skips it); one RetentionJob object is used by one thread at a time, plus
// its own runner thread after start().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "hub/audit/audit_writer.hpp"
#include "hub/jobs/periodic_runner.hpp"
#include "hub/object_store/object_stores.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::archive {

struct RetentionOptions {
  // Recordings per due-list query; a run repeats until a batch comes back short.
  int batch = 100;
  // Upper bound of batches in one run_once() (keeps one run bounded).
  int max_batches = 100;
  // Interval of the periodic runner.
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  // How long an obsolete object (key rotation, migration) of a live
  // recording stays registered before the sweep removes it: longer than
  // any write still in progress, whose new object is registered first.
  std::chrono::milliseconds obsolete_age{std::chrono::hours(24)};
  // Wall clock; unset = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Counts the periods this process runs; may be null.
  observability::Metrics* metrics = nullptr;
};

struct RetentionPass {
  std::int64_t deleted = 0;        // rows marked deleted by this pass
  std::int64_t files_removed = 0;  // objects removed or found gone (incl. ones left by a crash)
  std::int64_t skipped = 0;        // held or already deleted when re-read
  std::int64_t failed = 0;         // errors, logged (the row stays for the next pass)
};

class RetentionJob {
 public:
  // `store`, `audit` and `objects` must outlive the job.
  RetentionJob(storage::Store& store, const audit::AuditWriter& audit,
               const object_store::ObjectStores& objects, RetentionOptions options = {});
  ~RetentionJob();

  // One pass over everything due now (bounded by max_batches). Errors only
  // when the due-list itself cannot be read; per-recording failures are
  // counted in `failed`.
  sdk::Result<RetentionPass> run_once();

  // The periodic runner: run_once() now and every options.interval.
  sdk::Status start();
  void stop();

 private:
  sdk::Status remove_object(const std::string& locator, std::int64_t& removed);
  sdk::Status check_removable(const std::string& facility, const std::string& id, std::int64_t now);
  sdk::Result<std::int64_t> sweep_left_files();
  std::int64_t now_ms() const;

  storage::Store& store_;
  const audit::AuditWriter& audit_;
  const object_store::ObjectStores& objects_;
  RetentionOptions options_;
  std::unique_ptr<jobs::PeriodicRunner> runner_;
};

}  // namespace wasl::archive
