// HubActions: what the hub's features add to workflow runs, registered at
// start-up by one call per feature (app/ makes them: consultations, claims,
// reports, archive, and the engine's own hub.record_event), then only read,
// from any thread:
//
// - Built-in hub actions a workflow step may call ("hub.set_status", …).
//   Each is declared in the workflow language's capability catalogue
//   (hub/workflow/language/capabilities.hpp: its inputs, outputs and the
//   folder that implements it) and implemented by exactly one feature:
//   add() refuses a name the catalogue does not declare and a second
//   registration, and complete() says which declared action has no
//   implementation, so the hub refuses to start with one missing. An action
//   runs in one of two modes:
//   - kInTransaction: inside the transaction that records the step's
//     result, so its database effect and the step's success commit together
//     (exactly once). It must be short and touch only the database through
//     ctx.tx.
//   - kStandalone: on the step's call thread like a plugin call, with the
//     step's timeout (long work: downloading and archiving media). It must be
//     idempotent under ctx.idempotency_key, as plugin calls are.
//   A step calling a name that is not registered fails with kUnimplemented
//   naming it (not retried).
//
// - Step observers: observe("billing.submit_claim", f) has the engine call f
//   for every call step naming that method when the step's result is settled
//   (its success, or its failure once no retry follows), inside the
//   transaction that records that result and before the run moves on, so what
//   f writes commits exactly when the result does. ctx.tx is set; `input` is
//   the step's rendered input (with idempotency_key). An error from f rolls
//   that transaction back: the result is then not recorded and the step is
//   attempted again after the lease lapses (same idempotency key), so f must
//   fail only on storage errors and treat data it does not recognise as
//   nothing to do. One observer per method.
//
// - Step guards: guard("billing.cancel", g) has the engine call g before
//   every call step naming that method (step_guard.hpp), inside a
//   transaction of its own that commits whether g admits the call or not.
//   g answers the input the plugin is called with (what the host decides,
//   such as the facility's licence, filled in), or the error the step fails
//   with: a refusal is kPermissionDenied, not retryable, and g audits it as
//   access.denied in ctx.tx. g touches only the database. One guard per
//   method.
//
// - Reactions to incoming events: react("appointment.updated", f) has the
//   webhook dispatcher call f for every event of that type it delivered
//   without error, in its batch's transaction, with the inbox row's
//   instance. f answers true when it took the event (the row is then
//   "dispatched" though no run waited for it). A reaction never calls a
//   plugin — it runs while the dispatcher's transaction is open: what it owes
//   the outside world it records as a task (hub/jobs/task_runner.hpp), done
//   after the commit. An error fails the row as a failed delivery does
//   (retried with backoff, then parked; parked at once when not retryable);
//   f must leave the transaction usable (undo its own writes,
//   storage::under_savepoint). Several features may react to one event
//   type: each registers under its own `owner` (its folder), and they are
//   called in the order they were registered, all of them, whatever the
//   earlier ones answered; the event is taken when any answers true. An
//   error from one ends the call: what every reaction to that event wrote is
//   undone (one savepoint around them all) and the error is answered. One
//   reaction per event type and owner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "hub/workflow/run_bindings.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct HubActionContext {
  std::string run_id;
  std::string facility_id;
  std::string consultation_id;  // empty when the run has no consultation
  std::string workflow;
  std::string step_id;
  std::string idempotency_key;
  std::int64_t now_ms = 0;
  // The run's role bindings (run_bindings.hpp): its snapshot over the
  // facility's current bindings. An action reaching a plugin, or recording
  // which instance holds something, takes the instance from here.
  RoleBindings bindings;
  storage::Transaction* tx = nullptr;  // kInTransaction only; borrowed for the call
  storage::Store* store = nullptr;     // always set; borrowed for the call
};

using HubAction =
    std::function<sdk::Result<nlohmann::json>(const HubActionContext&, const nlohmann::json&)>;

enum class HubActionMode { kInTransaction, kStandalone };

using StepObserver = std::function<sdk::Status(const HubActionContext&, const nlohmann::json& input,
                                               const sdk::Result<nlohmann::json>&)>;

using StepGuard = std::function<sdk::Result<nlohmann::json>(const HubActionContext&,
                                                            const nlohmann::json& input)>;

using EventReaction = std::function<sdk::Result<bool>(
    storage::Transaction& tx, const std::string& instance, const IncomingEvent& event)>;

class HubActions {
 public:
  struct Entry {
    HubActionMode mode = HubActionMode::kInTransaction;
    HubAction action;
  };

  // Registers hub action `name` ("hub.set_status"). kInvalidArgument when
  // the capability catalogue declares no such hub action, kAlreadyExists
  // when it is registered already.
  sdk::Status add(const std::string& name, HubActionMode mode, HubAction action);
  // The registered action, or nullptr.
  const Entry* find(const std::string& name) const;
  // ok when every hub action the catalogue declares is registered; else
  // kFailedPrecondition naming each missing one and the folder that
  // implements it.
  sdk::Status complete() const;

  // Observes call steps naming `method` ("billing.submit_claim"; see the
  // file comment). kInvalidArgument when the catalogue has no such
  // capability, kAlreadyExists when it has an observer already.
  sdk::Status observe(const std::string& method, StepObserver observer);
  // The observer of `method`, or nullptr.
  const StepObserver* observer(const std::string& method) const;

  // Guards call steps naming `method` (see the file comment).
  // kInvalidArgument when the catalogue has no such capability,
  // kAlreadyExists when it has a guard already.
  sdk::Status guard(const std::string& method, StepGuard guard);
  // The guard of `method`, or nullptr.
  const StepGuard* step_guard(const std::string& method) const;

  // Reacts to events of `type` ("appointment.updated"; see the file
  // comment) on behalf of `owner` (the registering folder, "hub/attendance";
  // empty for the type's first, unnamed reaction). kInvalidArgument when the
  // catalogue has no such event type, kAlreadyExists when `owner` has a
  // reaction to it already.
  sdk::Status react(const std::string& type, EventReaction reaction, const std::string& owner = "");
  // Runs the reactions to `event`'s type in registration order: true when
  // any took it, false when none did or there is none.
  sdk::Result<bool> react_to(storage::Transaction& tx, const std::string& instance,
                             const IncomingEvent& event) const;

 private:
  std::map<std::string, Entry> entries_;
  std::map<std::string, StepObserver> observers_;
  std::map<std::string, StepGuard> guards_;
  struct OwnedReaction {
    std::string owner;
    EventReaction reaction;
  };
  std::map<std::string, std::vector<OwnedReaction>> reactions_;  // in registration order
};

// Adds the engine's own hub action, hub.record_event (a row in
// workflow_notes, the run's timeline; output {event_id}), kInTransaction.
sdk::Status add_builtin_hub_actions(HubActions& actions);

}  // namespace wasl::workflow
