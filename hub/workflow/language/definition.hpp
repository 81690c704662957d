// WorkflowDefinition: one parsed workflow file (workflows/*.yaml).
//
// File layout (keys in this order by convention; unknown keys are errors):
//
//   name: consultation            # [a-z0-9][a-z0-9_-]*, the name deployments use
//   version: 3                    # integer >= 1; a running consultation keeps its version
//   description: …                # optional
//   trigger:
//     kind: api                   # api: POST /v1/consultations starts a run;
//     consultation_type: standard #      optional, selects this workflow by body "type"
//     # or kind: event + event: appointment.updated (an event from webhook ingress)
//     # or kind: schedule + cron: "0 2 * * *" or every: 1d at 02:00 (recurrence.hpp),
//     #    time_zone: Asia/Riyadh (default: each facility's reporting time zone),
//     #    period: day | month (what a run covers: the day or month before the one
//     #    it fires in; the run's key, so one run per workflow, facility and period)
//   steps:                        # run in order, top to bottom
//     - id: room                  # [a-z_][a-z0-9_]*, unique among steps and compensations
//       call: video.create_room   # a capability "role.method" or a hub action "hub.<action>"
//       with: {…}                 # the input: JSON with ${…} references (value_template.hpp)
//     - id: ended
//       wait_for: room.ended      # an event type (capabilities.hpp)
//       correlation: ${steps.room.output.provider_room_id}
//       timeout: 12h              # required for wait_for
//     # common to both kinds:
//     #   when: <condition>       # expression.hpp; false → the step is skipped
//     #   retry: {max_attempts, initial_delay, multiplier, max_delay, jitter, on}
//     #   timeout: 30s            # per attempt for call, the whole wait for wait_for
//     #   on_failure: fail | continue | {compensate: <compensation id>}
//     #   description: …
//   compensations:                # optional; call steps that run only when named
//     - id: end_room
//       call: video.end_room
//       with: {room_id: "${steps.room.output.provider_room_id}"}
//       then: <compensation id>   # optional: the next compensation after this one
//
// Semantics the engine implements:
// - A step may reference only steps above it (`${steps.<id>.…}`); a skipped
//   step has status "skipped" and no output; a step that failed under
//   on_failure: continue has status "failed" and no output; a successful one
//   has status "succeeded" and its output (wait_for: the matched Event).
// - A step fails for good when its retries are spent or its error is not
//   retried. Then on_failure decides: fail (default) ends the run failed;
//   continue goes on with the next step; compensate: X runs compensation X
//   (then X's `then` chain) and ends the run failed.
// - A compensation is a call step. Its own on_failure may be fail (default:
//   the chain stops), continue (go on with `then`) or compensate: Y (run Y
//   instead of `then`). The graph of `then` and compensate edges has no
//   cycles (validated). A compensation may reference only steps above the
//   first step whose failure can lead to it.
// - Cancelling a run runs the compensation named by the on_failure of the
//   step it is in, if any.
// - retry defaults when absent: 3 attempts, 1s initial delay, ×2, 1m max
//   delay, jitter 0.2, retrying errors whose Error::retryable is true;
//   `on` lists error code names (sdk::to_string) to retry instead. An
//   Error::retry_after longer than the computed delay wins. wait_for steps
//   are not retried (a timeout goes straight to on_failure).
//
// Values of this type are plain data: copyable, no hidden state.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/workflow/language/expression.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

enum class TriggerKind { kApi, kEvent, kSchedule };

struct Trigger {
  TriggerKind kind = TriggerKind::kApi;
  std::string consultation_type;  // kApi: empty = any type without a more specific workflow
  std::string event;              // kEvent: the event type
  // kSchedule: exactly one of cron and every (calendar/recurrence.hpp).
  std::string cron;
  std::string every;
  std::string time_zone;       // empty = each facility's reporting time zone
  std::string period = "day";  // "day" or "month"
  int line = 0;
};

struct RetryPolicy {
  int max_attempts = 3;  // total attempts, the first included; 1 = no retry
  std::chrono::milliseconds initial_delay{1000};
  double multiplier = 2.0;
  std::chrono::milliseconds max_delay{60000};
  double jitter = 0.2;  // 0..1: each delay is drawn from [d·(1−jitter), d]
  // Error codes retried; empty = those whose Error::retryable is true.
  std::vector<sdk::ErrorCode> on;
  bool declared = false;  // written in the file (false = the defaults above)
};

enum class FailureAction { kFail, kContinue, kCompensate };

struct OnFailure {
  FailureAction action = FailureAction::kFail;
  std::string compensation;  // kCompensate: the compensation id
  int line = 0;              // 0 when not written
};

enum class StepKind { kCall, kWaitFor };

struct Step {
  std::string id;
  StepKind kind = StepKind::kCall;
  bool compensation = false;  // declared under compensations:
  std::string description;

  // kCall
  std::string call;     // "video.create_room" or "hub.set_status"
  nlohmann::json with;  // input template (null when absent)

  // kWaitFor
  std::string event;        // "room.ended"
  std::string correlation;  // value template; equals the event's correlation field

  std::optional<Expression> when;
  RetryPolicy retry;
  std::optional<std::chrono::milliseconds> timeout;
  OnFailure on_failure;
  std::string then;  // compensations only

  int line = 0;  // 1-based line where the step starts
  // 1-based lines of the step's keys ("call", "with", …) and of every string
  // inside `with` by member path ("with.participant.identity").
  std::map<std::string, int> lines;

  int line_of(const std::string& key) const;  // the key's line, else the step's
};

struct WorkflowDefinition {
  std::string name;
  int version = 0;
  std::string description;
  Trigger trigger;
  std::vector<Step> steps;
  std::vector<Step> compensations;

  std::string file;      // where it was read from, for messages
  std::string checksum;  // lowercase hex SHA-256 of the exact source text

  // Index into steps / compensations, or nullptr.
  const Step* find_step(const std::string& id) const;
  const Step* find_compensation(const std::string& id) const;
};

// The canonical JSON form: every field with its effective value (durations in
// milliseconds, error codes by name), object keys sorted. Lines and the file
// name are left out, so the same workflow written differently has the same
// canonical form.
nlohmann::json to_canonical_json(const WorkflowDefinition& definition);
// to_canonical_json(…).dump(): compact, sorted, byte-stable.
std::string canonical_text(const WorkflowDefinition& definition);

// The plugin roles the definition needs bound ("video", "ehr", …; never
// "hub"): the roles of its capability calls (compensations included), of hub
// actions that use a plugin (hub.archive_recording → video) and of the events
// it waits for or is triggered by (room.ended → video). Unknown names are
// left out (validation reports them). For `wasl check` to verify bindings.
std::set<std::string> roles_used(const WorkflowDefinition& definition);

}  // namespace wasl::workflow
