// The hash chain of the audit trail: the canonical serialization of an event
// and the SHA-256 that links it to its predecessor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hub/audit/audit_event.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::audit {

// prev_hash of the first event: 64 zeros.
extern const std::string kGenesisHash;

// Unambiguous byte form of (seq, event): the line "wasl.audit.v1", then for
// each field in a fixed order (seq, occurred_at, actor, facility_id, action,
// entity_type, entity_id, outcome, request_id, source_address, detail) its
// decimal byte length, ':', its bytes and '\n'. Integers are decimal text.
// The session, when not empty, follows as an 11th field in the same form;
// an event without one has the form (and the hash) it had before sessions
// existed, so chains written then verify unchanged.
std::string canonical_form(std::int64_t seq, const AuditEvent& event);

// The part of canonical_form() after the seq field, so that
//   canonical_form(seq, e) == "wasl.audit.v1\n" + <len(seq)> ":" + <seq> "\n" + canonical_tail(e)
// (lets PostgreSQL finish the form once it has assigned seq).
std::string canonical_tail(const AuditEvent& event);

// Lowercase hex SHA-256 over the 32 raw bytes of prev_hash followed by
// canonical_form(seq, event). kInvalidArgument when prev_hash is not 64 hex
// characters. Thread-safe.
sdk::Result<std::string> chain_hash(std::string_view prev_hash_hex, std::int64_t seq,
                                    const AuditEvent& event);

}  // namespace wasl::audit
