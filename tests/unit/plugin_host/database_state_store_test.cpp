#include "hub/plugin_host/database_state_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "hub/crypto/keyring.hpp"
#include "hub/storage/migrator.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::plugin_host {
namespace {

using storage::Dialect;
using storage::testing::TestDatabase;

class DatabaseStateStoreTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db = TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(*db);
    auto store = db_->open();
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);

    key_dir_ = std::filesystem::temp_directory_path() /
               ("wasl-state-keys-" + std::to_string(::getpid()) + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(key_dir_);
    ASSERT_TRUE(crypto::generate_key_file(key_dir_ / "keys.json").ok());
    auto keyring = crypto::load_keyring(key_dir_ / "keys.json");
    ASSERT_TRUE(keyring.ok()) << keyring.error().message;
    keyring_ = *keyring;
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(key_dir_, ec);
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<storage::Store> store_;
  std::filesystem::path key_dir_;
  std::shared_ptr<const crypto::Keyring> keyring_;
};

TEST_P(DatabaseStateStoreTest, MissingKeyIsEmptyAndPutThenGetRoundTrips) {
  DatabaseStateStore state(*store_, keyring_);
  auto missing = state.get("video.main", "cursor");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(state.put("video.main", "cursor", R"({"next":"ابدأ"})").ok());
  auto got = state.get("video.main", "cursor");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, R"({"next":"ابدأ"})");

  ASSERT_TRUE(state.put("video.main", "cursor", R"({"next":2})").ok());
  EXPECT_EQ(**state.get("video.main", "cursor"), R"({"next":2})");
}

TEST_P(DatabaseStateStoreTest, InstancesDoNotSeeEachOthersState) {
  DatabaseStateStore state(*store_, keyring_);
  ASSERT_TRUE(state.put("video.a", "token", R"("secret-a")").ok());
  auto other = state.get("video.b", "token");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST_P(DatabaseStateStoreTest, ValuesAreCiphertextAtRestAndBoundToTheirRow) {
  DatabaseStateStore state(*store_, keyring_);
  ASSERT_TRUE(state.put("video.a", "token", R"("plain-token-value")").ok());
  ASSERT_TRUE(state.put("video.b", "token", R"("other")").ok());
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT value FROM plugin_state WHERE instance = $1", {"video.a"});
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    std::string raw = *(*rows)[0].get_blob(0);
    EXPECT_EQ(raw.find("plain-token-value"), std::string::npos);
    // Copy a's ciphertext over b's row: b must then fail to decrypt.
    ASSERT_TRUE((*tx)
                    ->exec("UPDATE plugin_state SET value = $1 WHERE instance = $2",
                           {storage::Blob{raw}, "video.b"})
                    .ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto swapped = state.get("video.b", "token");
  EXPECT_FALSE(swapped.ok());
}

TEST_P(DatabaseStateStoreTest, SurvivesAnotherStoreObject) {
  ASSERT_TRUE(DatabaseStateStore(*store_, keyring_).put("ehr.x", "k", "1").ok());
  auto reopened = db_->open();
  ASSERT_TRUE(reopened.ok());
  DatabaseStateStore again(**reopened, keyring_);
  EXPECT_EQ(**again.get("ehr.x", "k"), "1");
}

TEST_P(DatabaseStateStoreTest, ConcurrentFirstPutsOfOneKeyBothSucceed) {
  DatabaseStateStore state(*store_, keyring_);
  sdk::Status a, b;
  std::thread ta([&] { a = state.put("video.c", "k", "\"a\""); });
  std::thread tb([&] { b = state.put("video.c", "k", "\"b\""); });
  ta.join();
  tb.join();
  EXPECT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(b.ok()) << b.error().message;
  auto got = state.get("video.c", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(**got == "\"a\"" || **got == "\"b\"");
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseStateStoreTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::plugin_host
