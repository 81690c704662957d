// ApiKeyStore against both stores.
#include "hub/access/api_key_store.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "hub/crypto/digest.hpp"
#include "tests/unit/audit/audited_database.hpp"

namespace wasl::access {
namespace {

using audit::testing::AuditedDatabaseTest;
using sdk::ErrorCode;
using storage::TxMode;

class ApiKeyStoreTest : public AuditedDatabaseTest {
 protected:
  void SetUp() override {
    AuditedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    add_facility("fac-a");
    add_facility("fac-b");
  }

  ApiKeyStore keys() {
    ApiKeyStore::Options o;
    o.clock = [this] { return now_.load(); };
    o.last_used_interval_ms = 60'000;
    return ApiKeyStore(o);
  }

  CreatedApiKey create(const ApiKeyStore& k, const std::string& facility, Role role) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto created = k.create(**tx, facility, role, "front desk");
    EXPECT_TRUE(created.ok()) << created.error().message;
    EXPECT_OK((*tx)->commit());
    return created.ok() ? *created : CreatedApiKey{};
  }

  ApiKeyInfo info(const ApiKeyStore& k, const std::string& id) {
    auto tx = store_->begin(TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto i = k.find(**tx, id);
    EXPECT_TRUE(i.ok()) << i.error().message;
    return i.ok() ? *i : ApiKeyInfo{};
  }

  std::atomic<std::int64_t> now_{1'700'000'000'000};
};

TEST_P(ApiKeyStoreTest, CreatedKeyHasTheDocumentedShapeAndIsStoredAsHashOnly) {
  ApiKeyStore k = keys();
  CreatedApiKey key = create(k, "fac-a", Role::kHospital);
  EXPECT_TRUE(looks_like_api_key(key.plaintext)) << key.plaintext.size();
  EXPECT_EQ(key.plaintext.substr(0, 5), "wasl_");
  EXPECT_EQ(key.id.size(), 36u);

  auto tx = store_->begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->query("SELECT id, facility_id, role, key_hash, label FROM api_keys");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].get_text(3).value(), crypto::sha256_hex(key.plaintext));
  for (std::size_t i = 0; i < (*rows)[0].size(); ++i) {
    auto text = (*rows)[0].get_text(i);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->find(key.plaintext.substr(5)), std::string::npos) << "column " << i;
  }
  ApiKeyInfo i = info(k, key.id);
  EXPECT_EQ(i.facility_id, "fac-a");
  EXPECT_EQ(i.role, Role::kHospital);
  EXPECT_EQ(i.label, "front desk");
  EXPECT_EQ(i.created_at, now_.load());
  EXPECT_FALSE(i.revoked_at.has_value());
  EXPECT_FALSE(i.last_used_at.has_value());
}

TEST_P(ApiKeyStoreTest, TwoKeysDiffer) {
  ApiKeyStore k = keys();
  CreatedApiKey a = create(k, "fac-a", Role::kAdmin);
  CreatedApiKey b = create(k, "fac-a", Role::kAdmin);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.plaintext, b.plaintext);
}

TEST_P(ApiKeyStoreTest, AuthenticatesToItsFacilityAndRole) {
  ApiKeyStore k = keys();
  CreatedApiKey key = create(k, "fac-b", Role::kClinician);
  auto p = k.authenticate(*store_, key.plaintext);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->key_id, key.id);
  EXPECT_EQ(p->facility_id, "fac-b");
  EXPECT_EQ(p->role, Role::kClinician);
  EXPECT_EQ(p->actor(), "apikey:" + key.id);
}

// A clinician key carries the practitioner it belongs to; its principal
// and its listing say which. Other roles carry none.
TEST_P(ApiKeyStoreTest, AClinicianKeyBelongsToItsPractitioner) {
  ApiKeyStore k = keys();
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto bound = k.create(**tx, "fac-a", Role::kClinician, "Dr", std::string("Practitioner/3"));
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  auto for_hospital =
      k.create(**tx, "fac-a", Role::kHospital, "HIS", std::string("Practitioner/3"));
  EXPECT_EQ(for_hospital.error().code, ErrorCode::kInvalidArgument);
  for (const char* bad :
       {"3", "Practitioner/", "Patient/3", "Practitioner/3 4", "Practitioner/a/b"}) {
    auto refused = k.create(**tx, "fac-a", Role::kClinician, "", std::string(bad));
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_OK((*tx)->commit());
  now_ += 1000;
  CreatedApiKey unbound = create(k, "fac-a", Role::kClinician);
  now_ += 1000;
  CreatedApiKey hospital = create(k, "fac-b", Role::kHospital);

  auto p = k.authenticate(*store_, bound->plaintext);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->practitioner, "Practitioner/3");
  auto old = k.authenticate(*store_, unbound.plaintext);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->practitioner, std::nullopt);
  EXPECT_EQ(info(k, bound->id).practitioner, "Practitioner/3");

  auto read = store_->begin(TxMode::kReadOnly);
  ASSERT_TRUE(read.ok());
  auto of_a = k.list(**read, std::string("fac-a"));
  ASSERT_TRUE(of_a.ok()) << of_a.error().message;
  ASSERT_EQ(of_a->size(), 2u);
  EXPECT_EQ((*of_a)[0].id, bound->id);
  EXPECT_EQ((*of_a)[0].practitioner, "Practitioner/3");
  EXPECT_EQ((*of_a)[0].label, "Dr");
  EXPECT_EQ((*of_a)[1].id, unbound.id);
  auto every = k.list(**read, std::nullopt);
  ASSERT_TRUE(every.ok()) << every.error().message;
  ASSERT_EQ(every->size(), 3u);
  EXPECT_EQ(every->back().id, hospital.id);
  EXPECT_EQ(every->back().facility_id, "fac-b");
}

TEST_P(ApiKeyStoreTest, WrongMalformedAndRevokedKeysAreUnauthenticated) {
  ApiKeyStore k = keys();
  CreatedApiKey key = create(k, "fac-a", Role::kAdmin);

  std::string wrong = key.plaintext;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  AuthenticationFailure failure;
  auto r = k.authenticate(*store_, wrong, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(failure.reason, "unknown");
  EXPECT_EQ(r.error().message.find(wrong), std::string::npos);

  for (std::string bad :
       {std::string(), std::string("wasl_"), key.plaintext.substr(1), key.plaintext + "0",
        "WASL_" + key.plaintext.substr(5), key.plaintext.substr(0, 68) + "G"}) {
    auto m = k.authenticate(*store_, bad, &failure);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(failure.reason, "malformed");
  }

  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_OK(k.revoke(**tx, key.id));
    ASSERT_OK((*tx)->commit());
  }
  auto revoked = k.authenticate(*store_, key.plaintext, &failure);
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(failure.reason, "revoked");
  EXPECT_EQ(failure.key_id, key.id);
  // Same message as an unknown key: callers cannot tell revoked keys apart.
  EXPECT_EQ(revoked.error().message, r.error().message);
  EXPECT_EQ(info(k, key.id).revoked_at, now_.load());

  // Revoking again keeps the first time.
  now_ += 5000;
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  ASSERT_OK(k.revoke(**tx, key.id));
  auto missing = k.revoke(**tx, "no-such-key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  (*tx)->rollback();
  EXPECT_EQ(info(k, key.id).revoked_at, now_.load() - 5000);
}

TEST_P(ApiKeyStoreTest, LastUsedIsWrittenAtMostOncePerInterval) {
  ApiKeyStore k = keys();
  CreatedApiKey key = create(k, "fac-a", Role::kIntegrator);
  const std::int64_t t0 = now_.load();
  ASSERT_TRUE(k.authenticate(*store_, key.plaintext).ok());
  EXPECT_EQ(info(k, key.id).last_used_at, t0);

  now_ = t0 + 59'999;
  ASSERT_TRUE(k.authenticate(*store_, key.plaintext).ok());
  EXPECT_EQ(info(k, key.id).last_used_at, t0);

  now_ = t0 + 60'000;
  ASSERT_TRUE(k.authenticate(*store_, key.plaintext).ok());
  EXPECT_EQ(info(k, key.id).last_used_at, t0 + 60'000);
}

TEST_P(ApiKeyStoreTest, CreateChecksFacilityAndLabel) {
  ApiKeyStore k = keys();
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto none = k.create(**tx, "fac-missing", Role::kAdmin, "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  auto empty = k.create(**tx, "", Role::kAdmin, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  auto long_label = k.create(**tx, "fac-a", Role::kAdmin, std::string(201, 'x'));
  ASSERT_FALSE(long_label.ok());
  EXPECT_EQ(long_label.error().code, ErrorCode::kInvalidArgument);
  (*tx)->rollback();
}

TEST_P(ApiKeyStoreTest, SuspendedFacilityIsRefused) {
  ApiKeyStore k = keys();
  CreatedApiKey key = create(k, "fac-a", Role::kHospital);
  exec_raw("UPDATE facilities SET status = 'suspended' WHERE id = 'fac-a'");
  AuthenticationFailure failure;
  auto r = k.authenticate(*store_, key.plaintext, &failure);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(failure.reason, "facility_inactive");
}

INSTANTIATE_TEST_SUITE_P(Stores, ApiKeyStoreTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         audit::testing::dialect_param_name);

}  // namespace
}  // namespace wasl::access
