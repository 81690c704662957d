// HubActions: the registry of built-in hub actions a workflow step may call
// ("hub.set_status", "hub.record_event", …; capabilities.hpp lists their
// inputs and outputs). The composition root fills it at start-up, before the
// engine starts; after that it is only read, from any thread.
//
// An action runs in one of two modes:
// - kInTransaction: inside the transaction that records the step's result, so
//   its database effect and the step's success commit together (exactly
//   once). It must be short and touch only the database through ctx.tx.
// - kStandalone: on the step's call thread like a plugin call, with the step's
//   timeout (long work: downloading and archiving media). It must be
//   idempotent under ctx.idempotency_key, as plugin calls are.
// A step calling a name that is not registered fails with kUnimplemented
// naming it (not retried).
//
// Step observers: observe("billing.submit_claim", f) has the engine call f
// for every call step naming that method when the step's result is settled
// (its success, or its failure once no retry follows), inside the
// transaction that records that result and before the run moves on, so what
// f writes commits exactly when the result does. ctx.tx is set; `input` is
// the step's rendered input (with idempotency_key). An error from f rolls
// that transaction back: the result is then not recorded and the step is
// attempted again after the lease lapses (same idempotency key), so f must
// fail only on storage errors and treat data it does not recognise as
// nothing to do.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
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

using StepObserver = std::function<sdk::Status(
    const HubActionContext&, const nlohmann::json& input, const sdk::Result<nlohmann::json>&)>;

class HubActions {
 public:
  struct Entry {
    HubActionMode mode = HubActionMode::kInTransaction;
    HubAction action;
  };

  // Registers `name` ("hub.set_status"); a second registration replaces the first.
  void add(const std::string& name, HubActionMode mode, HubAction action);
  // The registered action, or nullptr.
  const Entry* find(const std::string& name) const;

  // Observes call steps naming `method` ("billing.submit_claim"; see the
  // file comment); a second observer of one method replaces the first.
  void observe(const std::string& method, StepObserver observer);
  // The observer of `method`, or nullptr.
  const StepObserver* observer(const std::string& method) const;

 private:
  std::map<std::string, Entry> entries_;
  std::map<std::string, StepObserver> observers_;
};

// Adds hub.set_status (consultations.status of the run's consultation, and
// with status cancelled its cancel reason `reason`, a code such as
// patient_request or no_show; output {status, previous_status}),
// hub.record_event (a row in workflow_notes; output {event_id}) and
// hub.describe_consultation (what ministry reports count the consultation
// by: specialty, service_type, session_start_ms, session_end_ms, each
// optional, empty or 0 = leave as is; output {recorded}), all kInTransaction.
void add_builtin_hub_actions(HubActions& actions);

}  // namespace wasl::workflow
