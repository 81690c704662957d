// SigninDatabaseTest: the records' test database (both backends) with an
// audit writer, for the sign-in stores.
#pragma once

#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::signin::testing {

using records::testing::kFacilityA;
using records::testing::kFacilityB;

// 2026-03-01T06:00:00Z.
inline constexpr std::int64_t kNow = 1'772'344'800'000;
inline constexpr std::int64_t kMinute = 60'000;

class SigninDatabaseTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
  }

  // The audit events of `action`, as "actor entity_id detail".
  std::vector<std::string> events(const std::string& action) {
    std::vector<std::string> out;
    for (const auto& row :
         query_raw("SELECT actor, entity_id, detail FROM audit_events WHERE action = $1 ORDER BY "
                   "seq",
                   {action})) {
      out.push_back(row.get_text(0).value_or("") + " " + row.get_text(1).value_or("") + " " +
                    row.get_text(2).value_or(""));
    }
    return out;
  }

  std::unique_ptr<audit::AuditWriter> audit_;
};

}  // namespace wasl::signin::testing
