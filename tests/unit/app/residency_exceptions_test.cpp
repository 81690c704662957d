// The residency exceptions a start brings in force: recorded with one audit
// event each at the first start whose config holds them, never again at a
// later start; a renewed approval (a new reference) is audited anew; the
// chain stays valid. On SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <string>

#include "hub/access/residency_exception_store.hpp"
#include "hub/app/facility_sync.hpp"
#include "hub/audit/audit_verifier.hpp"
#include "tests/unit/audit/audited_database.hpp"

namespace wasl::app {
namespace {

using audit::testing::AuditedDatabaseTest;

const std::string kKey(32, 'k');

config::Config config_with_exception(const std::string& reference) {
  config::Config c;
  config::InstanceConfig chime;
  chime.name = "video.chime-main";
  chime.plugin = "chime";
  chime.settings = {{"region", "us-east-1"}};
  c.instances[chime.name] = chime;
  config::FacilityConfig riyadh;
  riyadh.id = "riyadh";
  riyadh.name = "Riyadh";
  riyadh.residency = {"SA"};
  riyadh.bindings["video"] = chime.name;
  riyadh.residency_exceptions.push_back({chime.name, reference, "2026-11-20", 21});
  c.facilities["riyadh"] = riyadh;
  config::FacilityConfig jeddah;
  jeddah.id = "jeddah";
  jeddah.bindings["video"] = chime.name;
  c.facilities["jeddah"] = jeddah;
  return c;
}

class ResidencyExceptionsTest : public AuditedDatabaseTest {
 protected:
  std::int64_t events() {
    return scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = "
        "'residency_exception.in_force' AND facility_id = 'riyadh' AND entity_id = "
        "'video.chime-main'");
  }
};

TEST_P(ResidencyExceptionsTest, TheFirstStartWithAnExceptionAuditsItOnce) {
  audit::AuditWriter writer(GetParam(), kKey);
  const config::Config config = config_with_exception("DPO-2026-014");
  ASSERT_TRUE(sync_facilities(*store_, config).ok());

  ASSERT_TRUE(record_residency_exceptions(*store_, writer, config).ok());
  EXPECT_EQ(events(), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE "
                   "'%\"reference\":\"DPO-2026-014\"%' AND detail LIKE '%\"residency\":\"US\"%'"),
            1);
  // Restarts with the same config write nothing.
  ASSERT_TRUE(record_residency_exceptions(*store_, writer, config).ok());
  ASSERT_TRUE(record_residency_exceptions(*store_, writer, config).ok());
  EXPECT_EQ(events(), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM residency_exceptions"), 1);

  // A renewed approval is another exception, audited at its first start.
  const config::Config renewed = config_with_exception("DPO-2027-003");
  ASSERT_TRUE(record_residency_exceptions(*store_, writer, renewed).ok());
  EXPECT_EQ(events(), 2);

  auto tx = store_->begin(storage::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rows = access::ResidencyExceptionStore::list(**tx, "riyadh");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].reference, "DPO-2026-014");
  EXPECT_EQ((*rows)[0].approved_on, "2026-11-20");
  EXPECT_EQ((*rows)[0].residency, "US");
  EXPECT_GT((*rows)[0].first_started_at, 0);
  EXPECT_EQ((*rows)[1].reference, "DPO-2027-003");
  // Another facility's list holds none of them.
  auto other = access::ResidencyExceptionStore::list(**tx, "jeddah");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());

  tx->reset();
  audit::AuditVerifier verifier(kKey);
  auto verified = verifier.verify(*store_);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_TRUE(verified->ok) << verified->reason;
  EXPECT_EQ(verified->events_checked, 2);
}

TEST_P(ResidencyExceptionsTest, AConfigWithoutExceptionsWritesNothing) {
  audit::AuditWriter writer(GetParam(), kKey);
  config::Config config = config_with_exception("DPO-2026-014");
  config.facilities["riyadh"].residency_exceptions.clear();
  ASSERT_TRUE(sync_facilities(*store_, config).ok());
  ASSERT_TRUE(record_residency_exceptions(*store_, writer, config).ok());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM residency_exceptions"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, ResidencyExceptionsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         audit::testing::dialect_param_name);

}  // namespace
}  // namespace wasl::app
