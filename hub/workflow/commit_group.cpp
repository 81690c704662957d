#include "hub/workflow/commit_group.hpp"

#include <algorithm>
#include <utility>

namespace wasl::workflow {

// A piece's owner sleeps on the piece's own condition variable, so a group
// that ends wakes its owners and at most one new leader, not every waiter.
struct CommitGroup::Piece {
  const Work* work = nullptr;
  bool taken = false;     // a leader has it
  bool answered = false;  // `outcome` is final
  Outcome outcome = Outcome::kRolledBack;
  std::condition_variable wake;
};

CommitGroup::CommitGroup(storage::Store& store, int max_group, int max_leaders)
    : store_(store), max_group_(max_group), max_leaders_(std::max(max_leaders, 1)) {}

CommitGroup::Outcome CommitGroup::run(const Work& work) {
  if (!enabled()) return Outcome::kRolledBack;
  Piece mine;
  mine.work = &work;
  std::unique_lock lock(mutex_);
  waiting_.push_back(&mine);
  while (!mine.answered) {
    if (!mine.taken && leaders_ < max_leaders_) {
      std::deque<Piece*> group;
      while (!waiting_.empty() && static_cast<int>(group.size()) < max_group_) {
        waiting_.front()->taken = true;
        group.push_back(waiting_.front());
        waiting_.pop_front();
      }
      ++leaders_;
      lock.unlock();
      lead(group, &mine);
      lock.lock();
      --leaders_;
      // The oldest waiting piece's owner leads the next group.
      if (!waiting_.empty()) waiting_.front()->wake.notify_one();
      continue;
    }
    mine.wake.wait(lock);
  }
  return mine.outcome;
}

void CommitGroup::lead(const std::deque<Piece*>& group, const Piece* leader) {
  Outcome outcome = Outcome::kRolledBack;
  auto tx = store_.begin();
  if (tx.ok()) {
    bool failed = false;
    for (Piece* piece : group) {
      if (!(*piece->work)(**tx).ok()) {
        failed = true;
        break;
      }
    }
    if (failed) {
      (*tx)->rollback();
    } else if ((*tx)->commit().ok()) {
      outcome = Outcome::kCommitted;
    }
  }
  std::lock_guard lock(mutex_);
  if (outcome == Outcome::kCommitted) {
    ++groups_;
    pieces_ += static_cast<std::int64_t>(group.size());
  }
  for (Piece* piece : group) {
    piece->outcome = outcome;
    piece->answered = true;
    if (piece != leader) piece->wake.notify_one();
  }
}

std::size_t CommitGroup::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

std::int64_t CommitGroup::groups_committed() const {
  std::lock_guard lock(mutex_);
  return groups_;
}

std::int64_t CommitGroup::pieces_committed() const {
  std::lock_guard lock(mutex_);
  return pieces_;
}

}  // namespace wasl::workflow
