// The idempotency key of a workflow step: derived from the run and the step,
// never from the attempt, so every retry and every takeover of the step hands
// the plugin the same key and the provider acts at most once.
#pragma once

#include <string>
#include <string_view>

namespace wasl::workflow {

// "wasl-" + the first 32 hex digits of SHA-256("wasl:" + run_id + ":" + step_id).
// Deterministic, 37 characters of [a-z0-9-] (fits Twilio UniqueName, Chime
// ClientRequestToken and NPHIES message ids).
std::string step_idempotency_key(std::string_view run_id, std::string_view step_id);

}  // namespace wasl::workflow
