// AuditEvent: one entry of the append-only audit trail, as a caller describes
// it, and StoredAuditEvent: the same entry as it sits in the hash chain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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
// No field may carry PHI: ids and codes only.
struct AuditEvent {
  std::int64_t occurred_at = 0;  // epoch milliseconds UTC; 0 = the writer stamps "now"
  std::string actor;  // "apikey:<id>", "person:<id>", "system", "plugin:<instance>", "anonymous"
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

struct StoredAuditEvent {
  std::int64_t seq = 0;  // 1, 2, 3, … without gaps
  AuditEvent event;
  std::string prev_hash;  // lowercase hex SHA-256 of the previous event (zeros for seq 1)
  std::string hash;       // lowercase hex, see chain_hash()
};

}  // namespace wasl::audit
