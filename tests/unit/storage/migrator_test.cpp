#include "hub/storage/migrator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "status_matchers.hpp"
#include "test_database.hpp"

namespace wasl::storage {
namespace {

using sdk::ErrorCode;
using testing::TestDatabase;

class MigratorTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db = TestDatabase::create(GetParam());
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    auto store = db_->open();
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }

  std::vector<std::int64_t> recorded_versions(Store& store) {
    std::vector<std::int64_t> out;
    auto tx = store.begin(TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return out;
    auto rows = (*tx)->query("SELECT version FROM schema_migrations ORDER BY version");
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok()) return out;
    for (const auto& r : *rows) out.push_back(r.get_int(0).value_or(-1));
    return out;
  }

  bool table_usable(const std::string& table) {
    auto tx = store_->begin(TxMode::kReadOnly);
    if (!tx.ok()) return false;
    return (*tx)->query("SELECT COUNT(*) FROM " + table).ok();
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

TEST_P(MigratorTest, EmbeddedMigrationsMatchTheSourceFiles) {
  const auto& embedded = embedded_migrations(GetParam());
  ASSERT_FALSE(embedded.empty());
  EXPECT_EQ(embedded[0].version, 1);
  EXPECT_EQ(embedded[0].name, "initial");
  std::string dir = std::string(WASL_SOURCE_DIR) + "/migrations/" +
                    (GetParam() == Dialect::kSqlite ? "sqlite" : "postgres");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sql") ++files;
  }
  EXPECT_EQ(static_cast<std::size_t>(files), embedded.size());
  std::ifstream in(dir + "/0001_initial.sql", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(embedded[0].sql, text.str());
  for (std::size_t i = 1; i < embedded.size(); ++i) {
    EXPECT_LT(embedded[i - 1].version, embedded[i].version);
  }
}

TEST_P(MigratorTest, AppliesEmbeddedMigrationsOnceOnAnEmptyDatabase) {
  const auto& embedded = embedded_migrations(GetParam());
  ASSERT_OK_AND_ASSIGN(auto pending, pending_migrations(*store_, embedded));
  EXPECT_EQ(pending.size(), embedded.size());

  ASSERT_OK_AND_ASSIGN(auto first, migrate(*store_, embedded));
  EXPECT_EQ(first.applied.size(), embedded.size());
  EXPECT_EQ(first.current_version, embedded.back().version);

  ASSERT_OK_AND_ASSIGN(auto second, migrate(*store_, embedded));
  EXPECT_TRUE(second.applied.empty());
  EXPECT_EQ(second.current_version, embedded.back().version);
  ASSERT_OK_AND_ASSIGN(auto none, pending_migrations(*store_, embedded));
  EXPECT_TRUE(none.empty());

  for (const char* table :
       {"facilities", "api_keys", "consultations", "participants", "recordings", "claims",
        "reports", "workflow_definitions", "workflow_runs", "workflow_steps", "jobs", "inbox",
        "idempotency_keys", "audit_events", "audit_checkpoints", "encryption_keys", "key_rotations",
        "plugin_state"}) {
    EXPECT_TRUE(table_usable(table)) << table;
  }

  // The schema enforces what it declares: tenancy FKs and the inbox dedupe key.
  ASSERT_OK_AND_ASSIGN(auto tx, store_->begin());
  ASSERT_OK(
      tx->exec("INSERT INTO facilities (id, name, created_at, updated_at) "
               "VALUES ('f1', 'Clinic', 1, 1)"));
  ASSERT_OK(
      tx->exec("INSERT INTO consultations (id, facility_id, status, consultation_type, "
               "patient_summary_enc, patient_identifier_index, created_at, updated_at) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
               {std::string("c1"), std::string("f1"), std::string("scheduled"),
                std::string("video"), Blob{std::string("\x01\x00\x02", 3)},
                Blob{std::string(32, '\x7f')}, std::int64_t{1}, std::int64_t{1}}));
  ASSERT_OK(
      tx->exec("INSERT INTO inbox (id, instance, dedupe_key, received_at) "
               "VALUES ('i1', 'twilio', 'evt-1', 5)"));
  ASSERT_OK(tx->commit());
  ASSERT_OK_AND_ASSIGN(auto tx2, store_->begin());
  auto dup = tx2->exec(
      "INSERT INTO inbox (id, instance, dedupe_key, received_at) "
      "VALUES ('i2', 'twilio', 'evt-1', 6)");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  tx2->rollback();
  ASSERT_OK_AND_ASSIGN(auto tx3, store_->begin());
  auto orphan = tx3->exec(
      "INSERT INTO participants (id, consultation_id, facility_id, role, created_at) "
      "VALUES ('p1', 'nope', 'f1', 'patient', 1)");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::kFailedPrecondition);
  tx3->rollback();
  // audit_events.seq is assigned by the database in insertion order.
  ASSERT_OK_AND_ASSIGN(auto tx4, store_->begin());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(
        tx4->exec("INSERT INTO audit_events (occurred_at, actor, action, outcome, "
                  "prev_hash, hash) VALUES ($1, 'system', 'test', 'ok', 'a', 'b')",
                  {std::int64_t{i}}));
  }
  ASSERT_OK_AND_ASSIGN(auto seqs,
                       tx4->query("SELECT seq, occurred_at FROM audit_events ORDER BY seq"));
  ASSERT_EQ(seqs.size(), 3u);
  EXPECT_LT(seqs[0].get_int(0).value_or(0), seqs[1].get_int(0).value_or(0));
  EXPECT_EQ(seqs[2].get_int(1).value_or(-1), 2);
  ASSERT_OK(tx4->commit());
}

TEST_P(MigratorTest, FailingMigrationRollsBackAloneAndNamesItsFile) {
  std::vector<Migration> migrations = {
      {1, "first",
       "CREATE TABLE first_table (id BIGINT PRIMARY KEY);"
       "INSERT INTO first_table (id) VALUES (1);"},
      {2, "broken",
       "CREATE TABLE second_table (id BIGINT PRIMARY KEY);"
       "INSERT INTO no_such_table (id) VALUES (1);"},
      {3, "third", "CREATE TABLE third_table (id BIGINT PRIMARY KEY);"},
  };
  auto result = migrate(*store_, migrations);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message.rfind("0002_broken.sql: ", 0), 0u) << result.error().message;
  EXPECT_EQ(recorded_versions(*store_), std::vector<std::int64_t>{1});
  EXPECT_TRUE(table_usable("first_table"));
  EXPECT_FALSE(table_usable("second_table"));
  EXPECT_FALSE(table_usable("third_table"));
  ASSERT_OK_AND_ASSIGN(auto pending, pending_migrations(*store_, migrations));
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].version, 2);

  // Fixed, the run continues where it stopped.
  migrations[1].sql = "CREATE TABLE second_table (id BIGINT PRIMARY KEY);";
  ASSERT_OK_AND_ASSIGN(auto report, migrate(*store_, migrations));
  ASSERT_EQ(report.applied.size(), 2u);
  EXPECT_EQ(report.applied[0].version, 2);
  EXPECT_EQ(report.current_version, 3);
  EXPECT_TRUE(table_usable("second_table"));
}

TEST_P(MigratorTest, AnEditedAppliedMigrationIsReported) {
  std::vector<Migration> migrations = {{1, "x", "CREATE TABLE x (id BIGINT);"}};
  ASSERT_OK(migrate(*store_, migrations));
  migrations[0].sql = "CREATE TABLE x (id BIGINT, extra TEXT);";
  auto result = migrate(*store_, migrations);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(result.error().message.find("0001_x.sql"), std::string::npos);
  EXPECT_NE(result.error().message.find("checksum"), std::string::npos);
}

TEST_P(MigratorTest, ADatabaseNewerThanTheBinaryIsReported) {
  std::vector<Migration> migrations = {{1, "a", "CREATE TABLE a (id BIGINT);"},
                                       {2, "b", "CREATE TABLE b (id BIGINT);"}};
  ASSERT_OK(migrate(*store_, migrations));
  migrations.pop_back();
  auto result = migrate(*store_, migrations);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(MigratorTest, DuplicateVersionsAreRejected) {
  std::vector<Migration> migrations = {{1, "a", "SELECT 1;"}, {1, "b", "SELECT 1;"}};
  auto result = migrate(*store_, migrations);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(MigratorTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  const auto& embedded = embedded_migrations(GetParam());
  std::vector<Migration> migrations = embedded;
  int next = migrations.back().version;
  for (int i = 0; i < 5; ++i) {
    ++next;
    migrations.push_back({next, "extra_" + std::to_string(i),
                          "CREATE TABLE extra_" + std::to_string(i) + " (id BIGINT);"});
  }
  constexpr int kMigrators = 2;
  std::vector<std::unique_ptr<Store>> stores;  // one per "hub process"
  for (int i = 0; i < kMigrators; ++i) {
    ASSERT_OK_AND_ASSIGN(auto s, db_->open());
    stores.push_back(std::move(s));
  }
  std::vector<std::future<sdk::Result<MigrationReport>>> runs;
  for (auto& s : stores) {
    runs.push_back(std::async(std::launch::async, [&migrations, store = s.get()] {
      return migrate(*store, migrations);
    }));
  }
  std::size_t applied = 0;
  for (auto& r : runs) {
    ASSERT_EQ(r.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    auto report = r.get();
    ASSERT_TRUE(report.ok()) << report.error().message;
    applied += report->applied.size();
    EXPECT_EQ(report->current_version, next);
  }
  EXPECT_EQ(applied, migrations.size());
  std::vector<std::int64_t> expected;
  for (const auto& m : migrations) expected.push_back(m.version);
  EXPECT_EQ(recorded_versions(*store_), expected);
}

// 0013 gives every deployed workflow version an owner: the facility of the
// key that deployed it through the API, else the platform ("").
TEST_P(MigratorTest, WorkflowOwnersAreBackfilledFromTheDeployingKey) {
  const auto& embedded = embedded_migrations(GetParam());
  std::vector<Migration> before;
  for (const auto& m : embedded) {
    if (m.version < 13) before.push_back(m);
  }
  ASSERT_TRUE(migrate(*store_, before).ok());
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    for (const char* sql :
         {"INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('fac-b', 'B', 1, 1)",
          "INSERT INTO api_keys (id, facility_id, role, key_hash, created_at) VALUES "
          "('k-b', 'fac-b', 'integrator', 'h1', 1)",
          "INSERT INTO workflow_definitions (name, version, source_text, checksum, deployed_at, "
          "deployed_by) VALUES ('consultation', 1, 'x', 'c1', 1, 'workflows_dir'), "
          "('consultation', 2, 'y', 'c2', 2, 'apikey:k-b'), "
          "('consultation', 3, 'z', 'c3', 3, 'apikey:deleted'), "
          "('emergency', 1, 'w', 'c4', 4, NULL)"}) {
      ASSERT_TRUE((*tx)->exec(sql).ok()) << sql;
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }
  ASSERT_TRUE(migrate(*store_, embedded).ok());
  auto tx = store_->begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->query(
      "SELECT name, version, facility_id FROM workflow_definitions ORDER BY name, version");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  std::vector<std::string> owners;
  for (const auto& r : *rows) {
    owners.push_back(r.get_text(0).value_or("?") + "/" + std::to_string(r.get_int(1).value_or(0)) +
                     "=" + r.get_text(2).value_or("?"));
  }
  EXPECT_EQ(owners, (std::vector<std::string>{"consultation/1=", "consultation/2=fac-b",
                                              "consultation/3=", "emergency/1="}));
}

// 0040 makes one live (not cancelled) consultation per facility and EHR
// appointment: a database already holding two live ones of an appointment
// is refused with the way to resolve it and left as it was; once they are
// resolved, the index applies and refuses a second live one, while a
// cancelled one, another facility's and one without an appointment pass.
TEST_P(MigratorTest, OneLiveConsultationPerAppointmentRefusesExistingDuplicates) {
  const auto& embedded = embedded_migrations(GetParam());
  std::vector<Migration> before;
  for (const auto& m : embedded) {
    if (m.version < 40) before.push_back(m);
  }
  ASSERT_TRUE(migrate(*store_, before).ok());
  auto exec = [&](const std::string& sql) -> sdk::Status {
    WASL_ASSIGN_OR_RETURN(auto tx, store_->begin());
    WASL_RETURN_IF_ERROR(tx->exec(sql));
    return tx->commit();
  };
  auto consultation = [](const std::string& id, const std::string& facility,
                         const std::string& appointment, const std::string& status) {
    return "INSERT INTO consultations (id, facility_id, status, consultation_type, "
           "appointment_ref, created_at, updated_at) VALUES ('" +
           id + "', '" + facility + "', '" + status + "', 'doctor_patient', " +
           (appointment.empty() ? std::string("NULL") : "'" + appointment + "'") + ", 1, 1)";
  };
  ASSERT_OK(
      exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('fac-a', 'A', 1, 1), "
           "('fac-b', 'B', 1, 1)"));
  for (const std::string& sql : {consultation("c-1", "fac-a", "Appointment/1", "scheduled"),
                                 consultation("c-2", "fac-a", "Appointment/1", "in_session"),
                                 consultation("c-3", "fac-a", "Appointment/2", "completed"),
                                 consultation("c-4", "fac-a", "Appointment/2", "waiting_room"),
                                 consultation("c-5", "fac-a", "Appointment/2", "scheduled"),
                                 consultation("c-6", "fac-a", "Appointment/3", "cancelled"),
                                 consultation("c-7", "fac-a", "Appointment/3", "scheduled"),
                                 consultation("c-8", "fac-b", "Appointment/1", "scheduled"),
                                 consultation("c-9", "fac-a", "", "scheduled"),
                                 consultation("c-10", "fac-a", "", "scheduled")}) {
    ASSERT_OK(exec(sql));
  }

  auto refused = migrate(*store_, embedded);
  ASSERT_FALSE(refused.ok());
  const std::string& message = refused.error().message;
  EXPECT_NE(message.find("0040_live_appointment_unique.sql"), std::string::npos) << message;
  EXPECT_NE(message.find("more than one live (not cancelled) consultation"), std::string::npos)
      << message;
  EXPECT_NE(message.find("cancel all but one of each"), std::string::npos) << message;
  EXPECT_NE(message.find("nothing was changed"), std::string::npos) << message;
  if (GetParam() == Dialect::kPostgres) {
    // Two appointments, three consultations too many.
    EXPECT_NE(message.find("2 appointment(s)"), std::string::npos) << message;
    EXPECT_NE(message.find("(3 consultation(s) too many)"), std::string::npos) << message;
  }
  auto versions = recorded_versions(*store_);
  EXPECT_EQ(std::count(versions.begin(), versions.end(), 40), 0);
  {
    auto tx = store_->begin(TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT COUNT(*) FROM consultations WHERE status <> 'cancelled'");
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ((*rows)[0].get_int(0).value_or(-1), 9) << "nothing was changed";
  }

  ASSERT_OK(
      exec("UPDATE consultations SET status = 'cancelled' WHERE id IN ('c-2', 'c-4', 'c-5')"));
  auto applied = migrate(*store_, embedded);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  versions = recorded_versions(*store_);
  EXPECT_EQ(std::count(versions.begin(), versions.end(), 40), 1);

  auto again = exec(consultation("c-11", "fac-a", "Appointment/1", "scheduled"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists) << again.error().message;
  // A cancelled one leaves its appointment free; a consultation that becomes
  // live again beside a live one is refused as well.
  ASSERT_OK(exec(consultation("c-12", "fac-a", "Appointment/1", "cancelled")));
  auto revived = exec("UPDATE consultations SET status = 'scheduled' WHERE id = 'c-12'");
  ASSERT_FALSE(revived.ok());
  EXPECT_EQ(revived.error().code, ErrorCode::kAlreadyExists) << revived.error().message;
  ASSERT_OK(exec(consultation("c-13", "fac-a", "Appointment/4", "scheduled")));
  ASSERT_OK(exec(consultation("c-14", "fac-b", "Appointment/4", "scheduled")));
  ASSERT_OK(exec(consultation("c-15", "fac-a", "", "scheduled")));
}

INSTANTIATE_TEST_SUITE_P(Backends, MigratorTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) { return testing::dialect_name(info.param); });

}  // namespace
}  // namespace wasl::storage
