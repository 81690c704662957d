#include "hub/webhooks/inbox_writer.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/observability/stage_buckets.hpp"

namespace wasl::webhooks {

using records::InboxInsertOutcome;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

constexpr int kConflictRetries = 2;

const std::vector<double>& batch_buckets() {
  static const std::vector<double> buckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
  return buckets;
}

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

InboxWriter::InboxWriter(storage::Store& store, const records::CellCipher& cipher,
                         InboxWriterOptions options, observability::Metrics* metrics)
    : store_(store), cipher_(cipher), options_(options), metrics_(metrics) {
  options_.writers = std::max(1, options_.writers);
  options_.max_batch = std::max(1, options_.max_batch);
  if (options_.linger < std::chrono::microseconds::zero()) options_.linger = {};
  threads_.reserve(options_.writers);
  for (int i = 0; i < options_.writers; ++i) threads_.emplace_back([this] { writer_loop(); });
}

InboxWriter::~InboxWriter() { stop(); }

void InboxWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  queued_.notify_all();
  filled_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard lock(mutex_);
  threads_.clear();
}

Result<std::vector<InboxInsertOutcome>> InboxWriter::write(
    std::vector<records::InboxEntry> entries) {
  if (entries.empty()) return Outcomes{};
  Pending pending;
  pending.rows.reserve(entries.size());
  const auto encrypt_started = std::chrono::steady_clock::now();
  const records::InboxStore inbox(cipher_);
  for (const auto& e : entries) {
    WASL_ASSIGN_OR_RETURN(auto row, inbox.encrypt(e));
    pending.rows.push_back(std::move(row));
  }
  if (metrics_ != nullptr) {
    metrics_->histogram_observe("wasl_webhook_inbox_encrypt_seconds",
                                "Time to encrypt one webhook request's inbox rows", {},
                                seconds_between(encrypt_started, std::chrono::steady_clock::now()),
                                observability::stage_buckets());
  }
  pending.entries = std::move(entries);
  std::future<Result<Outcomes>> done = pending.done.get_future();
  bool full = false;
  bool wake_idle = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return Error(ErrorCode::kUnavailable,
                   "the webhook inbox is shutting down; the sender should retry", true);
    }
    pending.queued_at = std::chrono::steady_clock::now();
    queue_.push_back(&pending);
    full = static_cast<int>(queue_.size()) >= options_.max_batch;
    // A lingering writer takes this request with its batch: no wake-up
    // unless the batch is now full.
    wake_idle = !lingering_;
  }
  if (full) filled_.notify_one();
  if (wake_idle) queued_.notify_one();
  return done.get();
}

void InboxWriter::writer_loop() {
  std::vector<Pending*> batch;
  while (true) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || (!queue_.empty() && !lingering_); });
      if (queue_.empty()) return;  // stopping, and nothing left to commit
      // Linger for company, measured from when the oldest request arrived.
      // One writer lingers at a time; requests queued meanwhile wake
      // nobody (write() wakes it early only for a full batch).
      lingering_ = true;
      auto deadline = queue_.front()->queued_at + options_.linger;
      while (!stopping_ && static_cast<int>(queue_.size()) < options_.max_batch &&
             std::chrono::steady_clock::now() < deadline) {
        filled_.wait_until(lock, deadline);
        if (queue_.empty()) break;  // stopping: another writer took them
      }
      lingering_ = false;
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      // What is left (more than a batch) is the next writer's to linger on.
      if (!queue_.empty()) queued_.notify_one();
    }
    if (batch.empty()) continue;
    const auto taken = std::chrono::steady_clock::now();
    if (metrics_ != nullptr) {
      for (const Pending* p : batch) {
        metrics_->histogram_observe("wasl_webhook_inbox_queue_wait_seconds",
                                    "Time a webhook request waited to be taken into a batch", {},
                                    seconds_between(p->queued_at, taken),
                                    observability::stage_buckets());
      }
    }
    commit(batch);
    if (metrics_ != nullptr) {
      metrics_->histogram_observe(
          "wasl_webhook_inbox_commit_seconds", "Time to insert and commit one inbox batch", {},
          seconds_between(taken, std::chrono::steady_clock::now()), observability::stage_buckets());
    }
  }
}

Result<std::vector<InboxWriter::Outcomes>> InboxWriter::insert_all(
    const std::vector<Pending*>& batch) {
  // Rows repeating a key already in this batch are duplicates without asking
  // the database; the others go in one statement.
  std::set<std::pair<std::string_view, std::string_view>> keys;
  std::vector<const records::EncryptedInboxEntry*> rows;
  for (Pending* p : batch) {
    for (std::size_t i = 0; i < p->entries.size(); ++i) {
      const auto& e = p->entries[i];
      if (keys.emplace(e.instance, e.dedupe_key).second) rows.push_back(&p->rows[i]);
    }
  }

  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  auto returned = records::InboxStore(cipher_).insert_encrypted(*tx, rows);
  if (!returned.ok()) {
    tx->rollback();
    return std::move(returned).error();
  }
  std::set<std::string> inserted(std::make_move_iterator(returned->begin()),
                                 std::make_move_iterator(returned->end()));
  WASL_RETURN_IF_ERROR(tx->commit());

  std::vector<Outcomes> outcomes;
  outcomes.reserve(batch.size());
  for (Pending* p : batch) {
    Outcomes mine;
    mine.reserve(p->entries.size());
    for (const auto& e : p->entries) {
      mine.push_back(inserted.count(e.id) ? InboxInsertOutcome::kInserted
                                          : InboxInsertOutcome::kDuplicate);
    }
    outcomes.push_back(std::move(mine));
  }
  return outcomes;
}

void InboxWriter::commit(std::vector<Pending*>& batch) {
  // Statistics are counted before any caller is released, so a caller that
  // returns from write() sees its own request counted.
  const auto size = static_cast<std::int64_t>(batch.size());
  auto all = insert_all(batch);
  if (all.ok()) {
    count(1, size > 1 ? 1 : 0, size, 0, size);
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move((*all)[i]));
    return;
  }
  // One transaction per request: a bad one fails alone.
  std::vector<Result<std::vector<Outcomes>>> results;
  results.reserve(batch.size());
  std::int64_t committed = 0;
  for (Pending* p : batch) {
    std::vector<Pending*> one{p};
    Result<std::vector<Outcomes>> mine =
        size == 1 ? std::move(all) : insert_all(one);  // NOLINT(bugprone-use-after-move): moved
                                                       // only when the batch has one request
    for (int retry = 0;
         !mine.ok() && mine.error().code == ErrorCode::kConflict && retry < kConflictRetries;
         ++retry) {
      mine = insert_all(one);
    }
    if (mine.ok()) ++committed;
    results.push_back(std::move(mine));
  }
  count(committed, 0, size, size > 1 ? 1 : 0, size);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (results[i].ok()) {
      batch[i]->done.set_value(std::move(results[i]->front()));
    } else {
      batch[i]->done.set_value(std::move(results[i]).error());
    }
  }
}

void InboxWriter::count(std::int64_t transactions, std::int64_t batches, std::int64_t requests,
                        std::int64_t fallbacks, std::int64_t size) {
  {
    std::lock_guard lock(mutex_);
    stats_.transactions += transactions;
    stats_.batches += batches;
    stats_.requests += requests;
    stats_.fallbacks += fallbacks;
    stats_.largest_batch = std::max(stats_.largest_batch, size);
  }
  if (metrics_ == nullptr) return;
  if (transactions > 0) {
    metrics_->counter_add("wasl_webhook_inbox_commits_total",
                          "Inbox transactions committed by webhook ingress", {},
                          static_cast<double>(transactions));
  }
  metrics_->histogram_observe("wasl_webhook_inbox_batch_requests",
                              "Webhook requests per inbox batch", {}, static_cast<double>(size),
                              batch_buckets());
  if (fallbacks > 0) {
    metrics_->counter_add("wasl_webhook_inbox_fallbacks_total",
                          "Inbox batches that failed and were retried request by request", {},
                          static_cast<double>(fallbacks));
  }
}

std::size_t InboxWriter::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

InboxWriterStats InboxWriter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace wasl::webhooks
