// The resource guard: the host, never the workflow, decides which provider
// resources a run may touch.
//
// A step's input goes to a plugin (or a hub action that calls one) only when
// every provider resource it names is the run's facility's: the capability
// catalogue (language/capabilities.hpp) declares which input members name
// which kind of resource, and records::ProviderResourceStore says whose each
// id is. An id recorded only for other facilities is refused; so is an id
// recorded for nobody when its kind is one the hub itself creates or first
// learns (rooms, recordings: ResourceKind::recorded_by_hub). The refusal is a
// permanent step error (kPermissionDenied, not retryable, never retried
// whatever the step's retry policy) that names the input member and never
// the id; the engine audits it as "access.denied" (denied_event) in the
// transaction that records the step's failure.
//
// What a call's output names (the room video.create_room opened, the
// recording a composition became, the patient an appointment names) is
// recorded as the run's facility's, at the plugin instance that answered,
// in the transaction that records the step's result (record_outputs).
//
// Thread-safety: stateless; each call works in the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_event.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/language/capabilities.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// A resource a step named and may not touch.
struct ResourceDenial {
  std::string member;       // the input member that named it: "room_id", "[0].provider_id"
  std::string kind;         // "room", "media", …
  std::string resource_id;  // for the audit trail only; never in the step's error
  bool foreign = false;     // recorded for other facilities (false: recorded for none)

  // The step's error: kPermissionDenied, not retryable.
  sdk::Error error(const std::string& call) const;
};

// The first resource of `input` (the rendered input of a call to
// `capability`) that is not `facility_id`'s, or nullopt when all are (or
// the capability names none). An empty or non-string member names nothing.
sdk::Result<std::optional<ResourceDenial>> check_resources(storage::Transaction& tx,
                                                           const std::string& facility_id,
                                                           const Capability& capability,
                                                           const nlohmann::json& input);

// Records every resource `output` (the result of a call to `capability`)
// names as `facility_id`'s at `instance`, created `now` (epoch ms). Nothing
// is recorded without an instance (a hub action that calls no plugin).
sdk::Status record_outputs(storage::Transaction& tx, const std::string& facility_id,
                           const std::string& instance, const Capability& capability,
                           const nlohmann::json& output, std::int64_t now);

// The audit event of a refusal: action "access.denied", actor "system",
// outcome denied, entity workflow_step/<attempt_row>, detail {run_id, step,
// call, member, kind, resource_id, recorded: "other_facility" | "none"}.
audit::AuditEvent denied_event(const ResourceDenial& denial, const std::string& facility_id,
                               const std::string& run_id, const std::string& step_id,
                               const std::string& call, const std::string& attempt_row,
                               std::int64_t now);

}  // namespace wasl::workflow
