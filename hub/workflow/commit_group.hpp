// CommitGroup: lets threads that each have a small piece of transactional
// work share one transaction and one commit (group commit).
//
// A thread hands its work to run(). When fewer than `max_leaders` groups are
// being committed, the thread leads a group: it takes every piece of work
// waiting at that moment (its own first among them when it is the only
// one, at most `max_group`), runs each in turn in one transaction and
// commits once. Otherwise it waits; the work that gathers meanwhile forms
// the next group. An idle engine therefore commits each piece alone, and a
// busy one commits several per transaction without waiting on a timer.
//
// A group is all or nothing: when any piece fails, or the commit does, the
// transaction is rolled back and every piece of the group is answered
// kRolledBack. Its owner then runs it again alone (nothing of it was
// stored). A piece must therefore keep what it changes in memory apart
// until it learns kCommitted.
//
// Thread safety: run() may be called from any number of threads. A piece of
// work runs on the leader's thread while its owner waits in run(); it may
// use the owner's stack through its captures.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "hub/storage/store.hpp"

namespace wasl::workflow {

class CommitGroup {
 public:
  using Work = std::function<sdk::Status(storage::Transaction&)>;
  enum class Outcome { kCommitted, kRolledBack };

  // `max_group` < 2 turns grouping off: run() answers kRolledBack at once and
  // the caller commits alone. `store` must outlive the group.
  CommitGroup(storage::Store& store, int max_group, int max_leaders);

  bool enabled() const { return max_group_ >= 2; }

  // Runs `work` in a transaction shared with the work other threads hand in
  // meanwhile and returns once that transaction has committed or rolled back.
  Outcome run(const Work& work);

  // Pieces of work handed in and not yet taken by a leader.
  std::size_t waiting() const;

  // Transactions committed, and pieces of work committed in them.
  std::int64_t groups_committed() const;
  std::int64_t pieces_committed() const;

 private:
  struct Piece;

  // Runs `group` in one transaction and answers its pieces; `leader` is the
  // piece of the thread doing so (its owner needs no waking).
  void lead(const std::deque<Piece*>& group, const Piece* leader);

  storage::Store& store_;
  const int max_group_;
  const int max_leaders_;

  mutable std::mutex mutex_;
  std::deque<Piece*> waiting_;
  int leaders_ = 0;
  std::int64_t groups_ = 0;
  std::int64_t pieces_ = 0;
};

}  // namespace wasl::workflow
