// EventDelivery: events from ingress delivered in a batch, inside the
// caller's read-write transaction, and the waiting runs they wake moved on
// in that same transaction.
//
// Events are matched in order of their (facility, type, correlation), so
// concurrent batches take the matching locks (EventMatcher::lock) in one
// order, and in rounds of distinct wait and dedupe keys: a later event of a
// key goes in a later round and sees what the earlier one did. Each round
// goes through EventMatcher::deliver_all, a statement per phase for all of
// its events. A run an event wakes whose job no worker holds is settled
// here: its job is held by a row lock (JobQueue::hold_idle), its wait is
// settled by Transitions::wait_due, and its resume is written with its next
// status change; the settled attempts, the ends and the removed jobs of a
// round are written together after it (DeferredWrites). A woken run whose
// job is not a wait job has its job made due at once; a run whose job a
// worker holds has that job woken, and the worker's wait_due finds the event
// matched.
//
// Savepoints: the whole batch first runs under one savepoint. When any
// event fails, nothing of the batch stays and it is delivered again event by
// event, each under a savepoint of its own: a failed event leaves nothing
// behind and gets its own error, the others go on.
//
// Errors: a run that stopped waiting between its match and its lock (its
// timeout, a cancel) fails its event or round with kConflict (retryable),
// and so does a woken run's job that changed hands; the outer error of
// deliver_events means the transaction itself is unusable (roll it back).
//
// Thread-safety: stateless apart from its borrowed collaborators; any
// thread may call it, each with its own transaction. The Store,
// RunRepository, EventMatcher, Transitions and options must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hub/storage/store.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "hub/workflow/prepared_job.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/transitions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class EventDelivery {
 public:
  EventDelivery(storage::Store& store, RunRepository& runs, EventMatcher& events,
                Transitions& transitions, const EngineOptions& options);

  // Delivers `events` in `tx` as described above (see
  // Engine::deliver_events); results are in the order of `events`.
  sdk::Result<std::vector<sdk::Result<DeliveredEvent>>> deliver_events(
      storage::Transaction& tx, const std::vector<IncomingEvent>& events);

 private:
  // What delivering events together leaves to settle: the results, and the
  // waits to settle here (their jobs held, their runs loaded and locked).
  struct Delivery {
    std::vector<DeliveredEvent> delivered;
    std::vector<std::pair<std::size_t, PreparedJob>> waits;  // index in the events, job
  };

  sdk::Result<std::vector<DeliveredEvent>> deliver_together(
      storage::Transaction& tx, const std::vector<const IncomingEvent*>& events, std::int64_t now);
  sdk::Status write(storage::Transaction& tx, const DeferredWrites& deferred,
                    const std::vector<FacilityRun>& unwritten, std::int64_t now);
  sdk::Result<Delivery> match_and_hold(storage::Transaction& tx,
                                       const std::vector<const IncomingEvent*>& events,
                                       std::int64_t now);
  sdk::Status resume(storage::Transaction& tx, const std::vector<FacilityRun>& runs,
                     std::int64_t now);

  storage::Store& store_;
  RunRepository& runs_;
  EventMatcher& events_;
  Transitions& transitions_;
  const EngineOptions& options_;
};

}  // namespace wasl::workflow
