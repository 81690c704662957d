// RecordsDatabaseTest: a fresh, migrated database on one backend, a key file
// with one data key, a CellCipher over it and two facilities (kFacilityA,
// kFacilityB). PostgreSQL comes from the ctest fixture; a missing server
// fails the test, it never skips it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hub/crypto/keyring.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"
#include "tests/unit/crypto/scratch_dir.hpp"
#include "tests/unit/storage/status_matchers.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::records::testing {

// The storage names these tests use everywhere.
using storage::Blob;
using storage::Dialect;
using storage::Params;
using storage::Row;
using storage::Rows;
using storage::Store;
using storage::Transaction;
using storage::TxMode;
using storage::Value;
using storage::testing::TestDatabase;

inline constexpr const char* kFacilityA = "fac-a";
inline constexpr const char* kFacilityB = "fac-b";
inline const std::string kArabicName = "فاطمة عبدالله الزهراني";

class RecordsDatabaseTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db = TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    auto store = db_->open({.pool_size = 4, .timeout = std::chrono::milliseconds(20000)});
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    // Already migrated (create copied or migrated it): the hub's migrator must
    // find nothing to apply and succeed.
    auto migrated = storage::migrate(*store_, storage::embedded_migrations(GetParam()));
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    EXPECT_TRUE(migrated->applied.empty());
    key_file_ = scratch_.path() / "keys.json";
    ASSERT_OK(crypto::generate_key_file(key_file_));
    reload_keyring();
    exec_raw("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ($1, 'A', 1, 1)",
             {std::string(kFacilityA)});
    exec_raw("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ($1, 'B', 1, 1)",
             {std::string(kFacilityB)});
  }

  void TearDown() override {
    store_.reset();
    db_.reset();
  }

  void reload_keyring() {
    auto ring = crypto::load_keyring(key_file_);
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    keyring_ = *ring;
    if (cipher_) {
      cipher_->replace_keyring(keyring_);
    } else {
      cipher_ = std::make_unique<CellCipher>(keyring_);
    }
  }

  std::unique_ptr<Transaction> begin() {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok()) << tx.error().message;
    return tx.ok() ? std::move(tx).value() : nullptr;
  }

  // Statements outside Wasl's code, as someone with database access would run them.
  void exec_raw(const std::string& sql, const Params& params = {}) {
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    auto r = tx->exec(sql, params);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.error().message;
    ASSERT_OK(tx->commit());
  }

  void exec_script_raw(const std::string& sql) {
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_OK(tx->exec_script(sql));
    ASSERT_OK(tx->commit());
  }

  Rows query_raw(const std::string& sql, const Params& params = {}) {
    auto tx = store_->begin(TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok()) << tx.error().message;
    if (!tx.ok()) return {};
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << sql << ": " << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? std::move(rows).value() : Rows{};
  }

  std::int64_t scalar(const std::string& sql, const Params& params = {}) {
    Rows rows = query_raw(sql, params);
    if (rows.empty()) return -1;
    return rows.front().get_int(0).value_or(-1);
  }

  // Every cell of the rows `sql` returns, as raw bytes.
  std::string raw_bytes(const std::string& sql, const Params& params = {}) {
    std::string all;
    for (const Row& row : query_raw(sql, params)) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (!row.is_null(i)) all += row.get_blob(i).value_or(row.get_text(i).value_or(""));
        all += '\x1f';
      }
    }
    return all;
  }

  static domain::Consultation sample_consultation(const std::string& facility,
                                                  const std::string& id,
                                                  std::int64_t created_at = 1'700'000'000'000) {
    domain::Consultation c;
    c.id = id;
    c.facility_id = facility;
    c.workflow_name = "consultation";
    c.workflow_version = 1;
    c.type = domain::ConsultationType::kFollowUp;
    c.appointment_ref = "Appointment/" + id;
    c.scheduled_at = created_at + 3'600'000;
    domain::PatientSummary p;
    p.name = kArabicName;
    p.identifiers = {{domain::PatientIdentifierKind::kNationalId, "1098765432"},
                     {domain::PatientIdentifierKind::kMrn, "mrn-" + id}};
    p.phone = "0501234567";
    p.email = "patient@example.sa";
    p.gender = "female";
    p.birth_date = "1990-05-01";
    p.gender_preference = domain::GenderPreference::kFemale;
    p.diagnosis_codes = {"J06.9", "E11.9"};
    c.patient.reference = "Patient/7";
    c.patient.summary = p;
    c.practitioner.reference = "Practitioner/3";
    c.practitioner.summary = domain::PractitionerSummary{"د. أحمد", "lic-42"};
    c.created_at = created_at;
    c.updated_at = created_at;
    return c;
  }

  crypto::testing::ScratchDir scratch_;
  std::filesystem::path key_file_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<const crypto::Keyring> keyring_;
  std::unique_ptr<CellCipher> cipher_;
};

inline std::string dialect_test_name(const ::testing::TestParamInfo<Dialect>& info) {
  return std::string(storage::to_string(info.param));
}

#define WASL_RECORDS_INSTANTIATE(Fixture)                                                        \
  INSTANTIATE_TEST_SUITE_P(                                                                      \
      Backends, Fixture,                                                                         \
      ::testing::Values(::wasl::storage::Dialect::kSqlite, ::wasl::storage::Dialect::kPostgres), \
      ::wasl::records::testing::dialect_test_name)

}  // namespace wasl::records::testing
