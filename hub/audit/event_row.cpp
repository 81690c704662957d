#include "hub/audit/event_row.hpp"

namespace wasl::audit {

namespace {

sdk::Result<std::string> optional_text(const storage::Row& row, std::size_t i) {
  if (row.is_null(i)) return std::string();
  return row.get_text(i);
}

}  // namespace

sdk::Result<StoredAuditEvent> read_event_row(const storage::Row& row) {
  if (row.size() < 14) {
    return sdk::Error(sdk::ErrorCode::kInternal, "audit event row has too few columns");
  }
  StoredAuditEvent out;
  WASL_ASSIGN_OR_RETURN(out.seq, row.get_int(0));
  WASL_ASSIGN_OR_RETURN(out.event.occurred_at, row.get_int(1));
  WASL_ASSIGN_OR_RETURN(out.event.actor, optional_text(row, 2));
  WASL_ASSIGN_OR_RETURN(out.event.facility_id, optional_text(row, 3));
  WASL_ASSIGN_OR_RETURN(out.event.action, optional_text(row, 4));
  WASL_ASSIGN_OR_RETURN(out.event.entity_type, optional_text(row, 5));
  WASL_ASSIGN_OR_RETURN(out.event.entity_id, optional_text(row, 6));
  WASL_ASSIGN_OR_RETURN(out.event.outcome, optional_text(row, 7));
  WASL_ASSIGN_OR_RETURN(out.event.request_id, optional_text(row, 8));
  WASL_ASSIGN_OR_RETURN(out.event.source_address, optional_text(row, 9));
  WASL_ASSIGN_OR_RETURN(out.event.detail, optional_text(row, 10));
  WASL_ASSIGN_OR_RETURN(out.prev_hash, optional_text(row, 11));
  WASL_ASSIGN_OR_RETURN(out.hash, optional_text(row, 12));
  WASL_ASSIGN_OR_RETURN(out.event.session, optional_text(row, 13));
  return out;
}

}  // namespace wasl::audit
