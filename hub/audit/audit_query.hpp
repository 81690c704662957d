// AuditQuery: the filtered, paginated read behind GET /v1/audit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_event.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::audit {

inline constexpr int kDefaultAuditPageSize = 100;
inline constexpr int kMaxAuditPageSize = 1000;

struct AuditQuery {
  std::string facility_id;  // required: only this facility's events are visible
  std::optional<std::string> entity_type;
  std::optional<std::string> entity_id;
  std::optional<std::string> actor;
  std::optional<std::string> session;  // the console session's reference ("ses_<hex>")
  std::optional<std::string> action;
  std::optional<std::int64_t> from_ms;  // occurred_at >= from_ms (epoch ms UTC)
  std::optional<std::int64_t> to_ms;    // occurred_at <  to_ms
  std::optional<std::string> cursor;    // next_cursor of the previous page
  int limit = kDefaultAuditPageSize;    // 1..kMaxAuditPageSize
};

struct AuditPage {
  std::vector<StoredAuditEvent> events;    // ascending seq
  std::optional<std::string> next_cursor;  // set when more events may follow
};

// One page of matching events in ascending seq order. Errors:
// kInvalidArgument (no facility, limit out of range, a malformed cursor,
// from >= to), storage errors as reported by the store. Thread-safe.
sdk::Result<AuditPage> query_audit_events(storage::Store& store, const AuditQuery& query);

// The opaque cursor text for "after this seq", and its inverse
// (kInvalidArgument for anything not produced by encode_audit_cursor).
std::string encode_audit_cursor(std::int64_t seq);
sdk::Result<std::int64_t> decode_audit_cursor(std::string_view cursor);

}  // namespace wasl::audit
