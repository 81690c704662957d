// ConnectionPool: a bounded set of database connections lent one at a time.
// Used by both Store backends; a connection is opened lazily when no idle one
// is available and fewer than `size` are open.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::storage {

// Thread-safe. Conn is owned by the pool while idle and by the borrower while
// lent; a borrower gives it back with release() or replace(). The pool must
// outlive every lent connection.
template <typename Conn>
class ConnectionPool {
 public:
  // Opens one connection; called without the pool's lock held.
  using Opener = std::function<sdk::Result<std::unique_ptr<Conn>>()>;

  ConnectionPool(int size, std::chrono::milliseconds acquire_timeout, Opener opener)
      : size_(size < 1 ? 1 : size), acquire_timeout_(acquire_timeout), opener_(std::move(opener)) {}

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Hands an already opened connection to the pool as idle (e.g. the one used
  // to check settings at open time). Ignored when the pool is full.
  void adopt(std::unique_ptr<Conn> conn) {
    std::lock_guard lock(mu_);
    if (open_ >= size_) return;
    ++open_;
    idle_.push_back(std::move(conn));
    cv_.notify_one();
  }

  // Lends a connection: an idle one, else a new one while fewer than size are
  // open, else waits up to the acquire timeout (then kUnavailable, retryable).
  // Fails with the opener's error when a new connection cannot be opened.
  sdk::Result<std::unique_ptr<Conn>> acquire() {
    std::unique_lock lock(mu_);
    auto ready = [&] { return !idle_.empty() || open_ < size_; };
    if (!ready()) {
      ++waiting_;
      bool got = cv_.wait_for(lock, acquire_timeout_, ready);
      --waiting_;
      if (!got) {
        return sdk::Error(sdk::ErrorCode::kUnavailable,
                          "no database connection became free within " +
                              std::to_string(acquire_timeout_.count()) + " ms; all " +
                              std::to_string(size_) + " are in use",
                          true);
      }
    }
    ++in_use_;
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;  // reserve the slot, open outside the lock
    lock.unlock();
    auto opened = opener_();
    if (!opened.ok()) {
      lock.lock();
      --open_;
      --in_use_;
      cv_.notify_one();
      return std::move(opened).error();
    }
    return std::move(opened).value();
  }

  // Takes a lent connection back. A connection that is not healthy is closed
  // and its slot freed.
  void release(std::unique_ptr<Conn> conn, bool healthy) {
    if (!healthy) conn.reset();
    std::lock_guard lock(mu_);
    --in_use_;
    if (healthy && conn) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    cv_.notify_one();
  }

  // Closes a lent connection found broken and opens a new one in its slot
  // (counted in PoolStats::replaced). On failure the slot is freed and the
  // borrower holds nothing.
  sdk::Result<std::unique_ptr<Conn>> replace(std::unique_ptr<Conn> broken) {
    broken.reset();
    {
      std::lock_guard lock(mu_);
      ++replaced_;
    }
    auto opened = opener_();
    if (!opened.ok()) {
      std::lock_guard lock(mu_);
      --open_;
      --in_use_;
      cv_.notify_one();
      return std::move(opened).error();
    }
    return std::move(opened).value();
  }

  PoolStats stats() const {
    std::lock_guard lock(mu_);
    PoolStats s;
    s.size = size_;
    s.open = open_;
    s.in_use = in_use_;
    s.waiting = waiting_;
    s.replaced = replaced_;
    return s;
  }

 private:
  const int size_;
  const std::chrono::milliseconds acquire_timeout_;
  const Opener opener_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_ = 0;
  int in_use_ = 0;
  int waiting_ = 0;
  std::int64_t replaced_ = 0;
};

}  // namespace wasl::storage
