// ResidencyExceptionStore: the residency_exceptions table, the approved
// exceptions to a facility's residency requirement the hub has started with
// (config/residency.hpp). The first start with an exception records it and
// audits it (residency_exception.in_force) in the caller's transaction; a
// later start with the same one finds the row and writes nothing.
//
// Every statement carries the facility. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::access {

struct ResidencyExceptionRecord {
  std::string facility_id;
  std::string instance;
  std::string reference;
  std::string approved_on;            // YYYY-MM-DD
  std::string residency;              // where the instance processed data at the first start
  std::int64_t first_started_at = 0;  // epoch ms
};

class ResidencyExceptionStore {
 public:
  // Records that the hub starts with `exception` (first_started_at = now_ms
  // when new) and, when it is new, appends its audit event. Returns whether
  // it was new. Storage and audit errors as they are reported.
  static sdk::Result<bool> record_start(storage::Transaction& tx, const audit::AuditWriter& audit,
                                        const ResidencyExceptionRecord& exception,
                                        std::int64_t now_ms);

  // The facility's recorded exceptions, by instance then reference.
  static sdk::Result<std::vector<ResidencyExceptionRecord>> list(storage::Transaction& tx,
                                                                 std::string_view facility_id);
};

}  // namespace wasl::access
