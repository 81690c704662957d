// SandboxSettings: one sandbox instance's settings, read from its validated
// settings (schema.json; the hub fills the defaults). Immutable after
// parse_settings(); safe to share between threads.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::sandbox {

// What submit_claim answers.
enum class ClaimOutcome {
  kApproved,  // adjudicated at once as payable
  kRejected,  // adjudicated at once as not payable (approved = false, with errors)
  kQueued,    // status "queued"; the adjudication (approved) arrives through poll()
};

struct SandboxSettings {
  // The SQLite file holding the instance's state. A relative path is taken
  // from the hub's working directory; missing parent directories are created.
  std::string state_file;
  // The first call of every (method, idempotency key) applies its effect,
  // then answers a retryable kUnavailable error (a lost response).
  bool fail_first_attempt = false;
  // What check_eligibility answers: approved = true or false.
  bool eligibility_approved = true;
  ClaimOutcome claim_outcome = ClaimOutcome::kApproved;
};

// Errors: kInvalidArgument naming the setting and the expected form for a
// missing state_file, an unknown key, or a value of the wrong type or outside
// its enumeration (values are not quoted).
sdk::Result<SandboxSettings> parse_settings(const nlohmann::json& settings);

}  // namespace wasl::plugins::sandbox
