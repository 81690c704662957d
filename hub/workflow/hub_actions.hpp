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
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
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
  storage::Transaction* tx = nullptr;  // kInTransaction only; borrowed for the call
  storage::Store* store = nullptr;     // always set; borrowed for the call
};

using HubAction =
    std::function<sdk::Result<nlohmann::json>(const HubActionContext&, const nlohmann::json&)>;

enum class HubActionMode { kInTransaction, kStandalone };

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

 private:
  std::map<std::string, Entry> entries_;
};

// Adds hub.set_status (consultations.status of the run's consultation; output
// {status, previous_status}) and hub.record_event (a row in workflow_notes;
// output {event_id}), both kInTransaction.
void add_builtin_hub_actions(HubActions& actions);

}  // namespace wasl::workflow
