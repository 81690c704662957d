// RunTimeline: what happened in one workflow run, for the API and operators:
// every step attempt (compensations included) with its times and outcome, and
// every event matched to the run. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wasl::workflow {

// Run statuses (workflow_runs.status):
//   running      a step is due, being attempted or waiting to be retried
//   waiting      a wait_for step waits for its event
//   compensating a step failed for good; its compensation chain runs
//   cancelling   cancel() was asked; the compensation chain runs
//   succeeded | failed | cancelled   final
// Step attempt statuses (workflow_steps.status):
//   running, succeeded, failed, skipped, waiting, cancelled, and lost (the
//   worker holding it lost its lease; the step was taken over).

struct StepAttempt {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
  std::string step_id;
  int attempt = 0;
  bool compensation = false;
  std::string status;
  std::string idempotency_key;
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
  std::string error_code;     // empty when none
  std::string error_message;  // never PHI
  // Filled only when the timeline is read with its payloads
  // (run_timeline_query.hpp); both may hold PHI.
  // The step's `with`, rendered against the run's data as it stands now (the
  // hub keeps no copy of each attempt's input); null when the step has none.
  nlohmann::json input;
  // The step's `with` as written, when it cannot be rendered now (a
  // reference not yet settled, or to the environment, whose values are never
  // shown); null otherwise.
  nlohmann::json input_template;
  // What a succeeded attempt returned; null otherwise.
  nlohmann::json output;
};

// The run's next call, queued in the jobs table: a step to attempt at
// `at_ms` (epoch ms UTC). `retry` when the step has failed before and this
// is its next try.
struct NextAttempt {
  std::string step_id;
  int attempt = 0;
  bool compensation = false;
  bool retry = false;
  std::int64_t at_ms = 0;
};

struct MatchedEvent {
  std::string event_id;
  std::string type;
  std::string correlation;
  std::string step_id;
  std::int64_t received_at_ms = 0;
  std::int64_t matched_at_ms = 0;
};

// A join, leave or room end recorded for the run's consultation
// (hub/attendance, which owns them; the API adds them to the consultation's
// timeline). Ids, roles and times only: no PHI.
struct PresenceEntry {
  std::string mark;  // "join", "leave", "room_end"
  std::int64_t at_ms = 0;
  std::string participant_id;  // the hub's; empty when unknown or for a room end
  std::string provider_participant_id;
  std::string role;  // "patient", "clinician", "interpreter", "guest"; empty for a room end
};

struct RunTimeline {
  std::string run_id;
  std::string workflow;
  int version = 0;
  std::string facility_id;
  std::string consultation_id;
  std::string status;
  std::string current_step;
  std::string failed_step;
  std::string error;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
  std::vector<StepAttempt> attempts;  // in the order they started
  std::vector<MatchedEvent> events;   // in the order they were matched
  std::optional<NextAttempt> next_attempt;
  // Who joined and left, in time order; empty unless the reader filled it.
  std::vector<PresenceEntry> attendance;

  // Members with no value are left out: "input", "input_template" and
  // "output" of an attempt, "next_attempt" of the run, "attendance" when
  // empty, and an entry's empty ids and role.
  nlohmann::json to_json() const;
};

}  // namespace wasl::workflow
