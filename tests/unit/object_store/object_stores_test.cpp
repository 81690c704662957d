#include "hub/object_store/object_stores.hpp"

#include <gtest/gtest.h>

#include <map>

#include "hub/object_store/local_object_store.hpp"
#include "tests/unit/crypto/scratch_dir.hpp"
#include "tests/unit/storage/status_matchers.hpp"

namespace wasl::object_store {
namespace {

using sdk::ErrorCode;

// A second kind of store, held in memory, whose locators are
// "mem://<name>/<key>": enough to see resolve() pick the right store.
class InMemoryObjectStore final : public ObjectStore {
 public:
  explicit InMemoryObjectStore(std::string name) : prefix_("mem://" + name + "/") {}
  std::string_view kind() const override { return "memory"; }
  std::string locator(std::string_view key) const override { return prefix_ + std::string(key); }
  std::optional<std::string> key_of(std::string_view locator) const override {
    if (locator.substr(0, prefix_.size()) != prefix_) return std::nullopt;
    std::string key(locator.substr(prefix_.size()));
    if (!is_valid_key(key)) return std::nullopt;
    return key;
  }
  sdk::Result<std::unique_ptr<ObjectWriter>> create(std::string_view) override {
    return sdk::Error(ErrorCode::kUnimplemented, "not needed here");
  }
  sdk::Status read(std::string_view key, std::uint64_t, std::uint64_t,
                   const sdk::ChunkSink& sink) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return sdk::Error(ErrorCode::kNotFound, "no object");
    return sink(it->second);
  }
  sdk::Result<std::optional<ObjectInfo>> head(std::string_view) override {
    return std::optional<ObjectInfo>();
  }
  sdk::Status remove(std::string_view key) override {
    objects_.erase(std::string(key));
    return {};
  }
  sdk::Result<std::vector<ObjectInfo>> list(std::string_view) override {
    return std::vector<ObjectInfo>();
  }
  std::map<std::string, std::string> objects_;

 private:
  std::string prefix_;
};

class ObjectStoresTest : public ::testing::Test {
 protected:
  ObjectStoresTest()
      : stores_(std::make_unique<LocalObjectStore>(scratch_.path() / "recordings")) {}
  crypto::testing::ScratchDir scratch_;
  ObjectStores stores_;
};

TEST_F(ObjectStoresTest, TheLocalStoreIsActiveUntilAnotherIsChosen) {
  EXPECT_EQ(stores_.active_name(), "local");
  EXPECT_EQ(&stores_.active(), &stores_.local());
  EXPECT_EQ(stores_.active().kind(), "local");
  ASSERT_OK(stores_.add("ceph", std::make_unique<InMemoryObjectStore>("ceph")));
  EXPECT_EQ(stores_.active_name(), "local");
  ASSERT_OK(stores_.set_active("ceph"));
  EXPECT_EQ(stores_.active_name(), "ceph");
  EXPECT_EQ(stores_.active().kind(), "memory");
  EXPECT_EQ(stores_.find("ceph"), &stores_.active());
  EXPECT_EQ(stores_.find("nope"), nullptr);
  EXPECT_EQ(stores_.set_active("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(stores_.active_name(), "ceph") << "a refused choice changes nothing";
  EXPECT_EQ(stores_.add("ceph", std::make_unique<InMemoryObjectStore>("x")).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(stores_.add("local", std::make_unique<InMemoryObjectStore>("y")).error().code,
            ErrorCode::kAlreadyExists);
}

TEST_F(ObjectStoresTest, ResolveFindsTheStoreAndKeyOfEveryLocator) {
  ASSERT_OK(stores_.add("ceph", std::make_unique<InMemoryObjectStore>("ceph")));
  ASSERT_OK(stores_.add("archive2", std::make_unique<InMemoryObjectStore>("archive2")));
  ASSERT_OK(stores_.set_active("ceph"));

  // A row written before the move: what storage_path held then.
  const std::string old_row = (scratch_.path() / "recordings" / "fac-a" / "r1.k1.wse").string();
  ASSERT_OK_AND_ASSIGN(ResolvedObject local, stores_.resolve(old_row));
  EXPECT_EQ(&local.store, &stores_.local());
  EXPECT_EQ(local.key, "fac-a/r1.k1.wse");

  const std::string new_row = stores_.active().locator("fac-a/r2.k2.wse");
  ASSERT_OK_AND_ASSIGN(ResolvedObject ceph, stores_.resolve(new_row));
  EXPECT_EQ(&ceph.store, stores_.find("ceph"));
  EXPECT_EQ(ceph.key, "fac-a/r2.k2.wse");

  ASSERT_OK_AND_ASSIGN(ResolvedObject other, stores_.resolve("mem://archive2/fac-b/r3.wse"));
  EXPECT_EQ(&other.store, stores_.find("archive2"));
  EXPECT_EQ(other.key, "fac-b/r3.wse");

  // Nobody's: a store no longer configured, a path outside the root, a
  // locator that would leave it.
  for (std::string_view orphan :
       {std::string_view("mem://gone/fac-a/r.wse"), std::string_view("/var/elsewhere/r.wse"),
        std::string_view("mem://ceph/../r.wse")}) {
    auto none = stores_.resolve(orphan);
    ASSERT_FALSE(none.ok()) << orphan;
    EXPECT_EQ(none.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(none.error().message.find(std::string(orphan)), std::string::npos);
  }
  auto outside = stores_.resolve((scratch_.path() / "recordings" / ".." / "x.wse").string());
  EXPECT_FALSE(outside.ok());
}

}  // namespace
}  // namespace wasl::object_store
