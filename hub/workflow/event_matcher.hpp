// EventMatcher: events from ingress meet the runs that wait for them
// (workflow_events). An event is stored once per dedupe key and handed to the
// oldest run of its facility waiting for its (type, correlation); an event
// nobody waits for yet is kept, unmatched, and taken by the first wait that
// starts for it. Matching is serialised per (facility, type, correlation) —
// an advisory lock on PostgreSQL, the single writer on SQLite — so an event
// and a wait that start together always meet.
//
// Thread-safety: stateless apart from its borrowed collaborators; any thread
// may call it. The Store and RunRepository must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/run_state.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct DeliveredEvent {
  std::string event_id;
  bool duplicate = false;   // an event with this dedupe_key was delivered before
  std::string matched_run;  // the run it was handed to; empty = kept for a later wait
  bool advanced = false;    // the run's wait was settled in the delivering transaction
};

// One event from ingress, as deliver() and Engine::deliver_events take it.
struct IncomingEvent {
  std::string facility_id;
  std::string type;
  std::string correlation;
  nlohmann::json payload;  // the event's JSON form (sdk::Event)
  std::string dedupe_key;
  // The inbox row it came from (records::InboxStore); empty when it did not
  // come through the inbox. What a reaction's task reports back to.
  std::string inbox_id;
};

class EventMatcher {
 public:
  EventMatcher(storage::Store& store, RunRepository& runs);

  // Inside the caller's read-write transaction, with one statement per phase
  // for all of `events`: stores each event once per dedupe key and, when a
  // run of its facility waits for its (type, correlation), records the
  // event as handed to the oldest such run's wait step. The run's row is
  // not changed: the caller resumes it (RunRepository::resume_waiting or
  // RunState::resume_unwritten) before it delivers another event of that
  // key, checking under the row's lock that it still waits, and fails the
  // transaction (kConflict) when it stopped meanwhile (its timeout, a
  // cancel), so the event is delivered again; the caller also wakes or
  // settles the run's job. A duplicate
  // changes nothing and reports the run the first delivery matched. The
  // events' (facility, type, correlation) and dedupe keys must each be
  // distinct (kInternal otherwise); results are in the order of `events`.
  // kInvalidArgument when one has no dedupe key; storage errors as the
  // transaction reports them.
  sdk::Result<std::vector<DeliveredEvent>> deliver_all(
      storage::Transaction& tx, const std::vector<const IncomingEvent*>& events, std::int64_t now);

  // Serialises matching for each key until `tx` ends, taking the locks in
  // the order given (callers give them sorted, so two deliveries of
  // overlapping batches take them in the same order).
  sdk::Status lock(storage::Transaction& tx, const std::vector<WaitKey>& keys);
  // For a wait starting: claims the oldest stored, unmatched event for it
  // and returns its payload, or nullopt. Call lock() first.
  sdk::Result<std::optional<nlohmann::json>> take_stored(
      storage::Transaction& tx, const RunState& run, const std::string& step_id,
      const std::string& type, const std::string& correlation, std::int64_t now);
  // The payload of the event handed to the run's wait step `step_id`, or nullopt.
  sdk::Result<std::optional<nlohmann::json>> matched(storage::Transaction& tx,
                                                     const std::string& run_id,
                                                     const std::string& step_id);

 private:
  storage::Store& store_;
  RunRepository& runs_;
};

}  // namespace wasl::workflow
