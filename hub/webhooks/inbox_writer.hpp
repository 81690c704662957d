// InboxWriter: group commit for webhook ingress. Request threads hand their
// inbox rows to write() and block; writer threads take whatever is queued
// (up to max_batch requests), insert it in ONE transaction and commit, so
// one durable commit (fsync) acknowledges many requests.
//
// Contract of write(): it returns only after the rows are committed (durable
// as the store defines it: PostgreSQL's commit; SQLite in WAL mode with
// synchronous=FULL) or definitely not written. A request's rows commit
// together or not at all. Each row is reported kInserted or kDuplicate
// (the (instance, dedupe_key) already existed, or an earlier request in the
// same batch carried it); a duplicate never spoils a batch.
//
// Encoding: a batch is ONE multi-row statement
// (InboxStore::insert_encrypted: INSERT … ON CONFLICT (instance, dedupe_key)
// DO NOTHING RETURNING id), so a commit of 200 rows costs one round trip,
// not 200. The rows are encrypted on the caller's thread
// (InboxStore::encrypt, exactly as InboxStore::insert encrypts them:
// CellCipher bound to inbox.body_enc / inbox.headers_enc and the row id;
// headers as a JSON object), so InboxStore reads them back; the tests check
// that round trip.
//
// Failure: when a batch fails (an insert error, a deadlock, a failed
// commit), it is rolled back and each request is retried in a transaction of
// its own, so one bad request cannot fail or wrongly acknowledge the others.
// A request whose own transaction fails gets that error (kConflict is
// retried twice first). A commit whose outcome is unknown (connection lost
// during COMMIT) is safe too: the per-request retry then finds the rows and
// reports them kDuplicate, which still means "stored".
//
// Batching: a writer takes the oldest queued request and waits until
// max_batch requests are queued or that request has waited `linger`,
// whichever is first. One writer lingers at a time, and a request queued
// while it does wakes no thread (only a full batch ends the linger early),
// so a request costs one wake-up: its own answer. Under load the queue
// fills while the previous batch commits, so the linger is rarely spent.
//
// Thread safety: write() may be called from any number of threads. The
// Store and CellCipher are borrowed and must outlive the writer; so must
// `metrics` when given. Metrics: wasl_webhook_inbox_commits_total,
// wasl_webhook_inbox_batch_requests (histogram), wasl_webhook_inbox_fallbacks_total,
// wasl_webhook_inbox_encrypt_seconds (per request: its rows encrypted, on
// the caller's thread), wasl_webhook_inbox_queue_wait_seconds (per request:
// queued until taken into a batch) and wasl_webhook_inbox_commit_seconds
// (per batch: insert and commit, fallback included); the three in
// observability::stage_buckets().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::webhooks {

struct InboxWriterOptions {
  int writers = 2;                         // threads committing batches concurrently
  int max_batch = 256;                     // requests per transaction at most
  std::chrono::microseconds linger{1000};  // how long the oldest request may wait for company
};

struct InboxWriterStats {
  std::int64_t batches = 0;       // transactions committed with more than one request in them
  std::int64_t transactions = 0;  // transactions committed in all
  std::int64_t requests = 0;      // requests answered (either way)
  std::int64_t fallbacks = 0;     // batches that failed and were retried request by request
  std::int64_t largest_batch = 0;
};

class InboxWriter {
 public:
  // `cipher` encrypts the PHI columns; borrowed, must outlive the writer.
  InboxWriter(storage::Store& store, const records::CellCipher& cipher,
              InboxWriterOptions options = {}, observability::Metrics* metrics = nullptr);
  ~InboxWriter();  // stop()
  InboxWriter(const InboxWriter&) = delete;
  InboxWriter& operator=(const InboxWriter&) = delete;

  // Stores one request's rows (see above); the outcomes are in the order of
  // `entries`. kUnavailable after stop(); storage errors as the store
  // reports them.
  sdk::Result<std::vector<records::InboxInsertOutcome>> write(
      std::vector<records::InboxEntry> entries);

  // Commits what is queued, then stops the writer threads. Idempotent.
  void stop();

  InboxWriterStats stats() const;
  // Requests queued and not yet taken by a writer thread.
  std::size_t queue_depth() const;

 private:
  using Outcomes = std::vector<records::InboxInsertOutcome>;
  struct Pending {
    std::vector<records::InboxEntry> entries;
    std::vector<records::EncryptedInboxEntry> rows;  // parallel to entries
    std::promise<sdk::Result<Outcomes>> done;
    std::chrono::steady_clock::time_point queued_at;
  };

  void writer_loop();
  void commit(std::vector<Pending*>& batch);
  // Inserts every request's rows in one transaction and commits; the
  // outcomes per request, or the first error (after rolling back).
  sdk::Result<std::vector<Outcomes>> insert_all(const std::vector<Pending*>& batch);
  void count(std::int64_t transactions, std::int64_t batches, std::int64_t requests,
             std::int64_t fallbacks, std::int64_t size);

  storage::Store& store_;
  const records::CellCipher& cipher_;
  InboxWriterOptions options_;
  observability::Metrics* metrics_;

  mutable std::mutex mutex_;
  std::condition_variable queued_;  // idle writers: requests queued and nobody lingering
  std::condition_variable filled_;  // the lingering writer: a full batch is queued
  std::deque<Pending*> queue_;
  bool lingering_ = false;  // a writer is gathering the queue into its batch
  bool stopping_ = false;
  InboxWriterStats stats_;
  std::vector<std::thread> threads_;
};

}  // namespace wasl::webhooks
