// AuditEvent: one entry of the append-only audit trail, as a caller describes
// it, and StoredAuditEvent: the same entry as it sits in the hash chain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "wasl/sdk/result.hpp"

namespace wasl::audit {

inline constexpr std::string_view kOutcomeSuccess = "success";
inline constexpr std::string_view kOutcomeFailure = "failure";
inline constexpr std::string_view kOutcomeDenied = "denied";

// Upper bound on AuditEvent::detail, in bytes.
inline constexpr std::size_t kMaxDetailBytes = 4096;

// Upper bound on AuditEvent::session, in bytes (a reference is "ses_" and 24
// hex digits).
inline constexpr std::size_t kMaxSessionBytes = 64;

// Empty optional fields are stored as NULL and read back as empty.
// No field may carry PHI: ids and codes only. A person signed in to the
// console is the actor "person:<person id>", never their name.
struct AuditEvent {
  std::int64_t occurred_at = 0;  // epoch milliseconds UTC; 0 = the writer stamps "now"
  std::string actor;             // "apikey:<id>", "system", "plugin:<instance>", "anonymous"
  std::string facility_id;       // optional
  std::string action;            // "<entity>.<verb>", e.g. "consultation.read", "auth.failed"
  std::string entity_type;       // optional, e.g. "consultation"
  std::string entity_id;         // optional
  std::string outcome;           // kOutcomeSuccess | kOutcomeFailure | kOutcomeDenied
  std::string request_id;        // optional
  std::string source_address;    // optional, the client address as seen by the listener
  std::string detail;            // optional compact JSON object, at most kMaxDetailBytes
  std::string session;           // optional: the console session's reference ("ses_<hex>")

  bool operator==(const AuditEvent&) const = default;
};

// kInvalidArgument naming the first field that is missing or malformed
// (actor, action, outcome required; detail must be a JSON object).
sdk::Status validate(const AuditEvent& event);

// The person id of a "person:<id>" actor; empty for every other actor.
std::string_view person_of_actor(std::string_view actor);

// Who caused a change that a store audits on a caller's behalf: the actor
// and, for a request made on a console session, that session (see
// AuditEvent). Converts from the actor text alone, without a session, so the
// hub's own work passes "system" as before.
struct AuditActor {
  // Implicit on purpose: an actor's text is an AuditActor without a session.
  AuditActor(std::string actor_text = "system", std::string session_ref = {})
      : actor(std::move(actor_text)), session(std::move(session_ref)) {}
  AuditActor(const char* actor_text) : AuditActor(std::string(actor_text)) {}

  std::string actor;
  std::string session;
};

struct StoredAuditEvent {
  std::int64_t seq = 0;  // 1, 2, 3, … without gaps
  AuditEvent event;
  std::string prev_hash;  // lowercase hex SHA-256 of the previous event (zeros for seq 1)
  std::string hash;       // lowercase hex, see chain_hash()
};

}  // namespace wasl::audit
