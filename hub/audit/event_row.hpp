// The audit_events columns and their mapping to StoredAuditEvent, shared by
// the verifier and the query so both read a row the same way.
#pragma once

#include <string_view>

#include "hub/audit/audit_event.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::audit {

// Column list for SELECT, in the order read_event_row() expects.
inline constexpr std::string_view kEventColumns =
    "seq, occurred_at, actor, facility_id, action, entity_type, entity_id, outcome, "
    "request_id, source_address, detail, prev_hash, hash, session_ref";

// kInternal when a cell cannot be read (a NULL in a NOT NULL column, a
// non-integer seq). NULL optional fields become empty strings.
sdk::Result<StoredAuditEvent> read_event_row(const storage::Row& row);

}  // namespace wasl::audit
