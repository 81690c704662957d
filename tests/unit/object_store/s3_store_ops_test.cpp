// What operations see of the S3 stores, against the real Ceph RADOS Gateway
// of the ctest fixture "ceph": the requests' metrics (bytes the store
// accepted, latency per operation, up/down), the state /readyz shows when the
// gateway goes away and comes back, and the stale-upload sweep over every S3
// store of a deployment.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/object_store/local_object_store.hpp"
#include "hub/object_store/s3_object_store.hpp"
#include "hub/object_store/stale_upload_sweep.hpp"
#include "hub/object_store/store_health.hpp"
#include "tests/peers/ceph/ceph_bucket.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"

namespace wasl::object_store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::size_t kPart = std::size_t{5} << 20;

std::string random_name(std::string_view stem) {
  return std::string(stem) + crypto::to_hex(crypto::random_bytes(6).value());
}

std::string bytes_of(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(random());
  return out;
}

class S3StoreOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = testing::CephGateway::from_fixture(WASL_BINARY_DIR);
    bucket_ = random_name("wasl-ops-");
    make_bucket(gateway_, bucket_);
  }

  std::unique_ptr<S3ObjectStore> make_store(const std::string& name, const std::string& prefix,
                                            const std::string& secret = {}) {
    S3StoreOptions options;
    options.name = name;
    options.endpoint.base_url = gateway_.endpoint;
    options.endpoint.region = gateway_.region;
    options.endpoint.credentials = {gateway_.access_key,
                                    secret.empty() ? gateway_.secret_key : secret, std::nullopt};
    options.bucket = bucket_;
    options.prefix = prefix;
    options.part_size = kPart;
    options.parts_in_flight = 2;
    options.max_attempts = 2;
    options.request_timeout = std::chrono::seconds(10);
    options.transfer_timeout = std::chrono::seconds(30);
    options.metrics = &metrics_;
    auto store = S3ObjectStore::create(std::move(options));
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::move(store).value();
  }

  static sdk::Result<ObjectInfo> write(ObjectStore& store, std::string_view key,
                                       const std::string& bytes) {
    WASL_ASSIGN_OR_RETURN(auto writer, store.create(key));
    for (std::size_t at = 0; at < bytes.size(); at += 1 << 20) {
      WASL_RETURN_IF_ERROR(writer->write(std::string_view(bytes).substr(at, 1 << 20)));
    }
    return writer->commit();
  }

  static std::size_t open_uploads(S3ObjectStore& store) {
    auto open =
        store.client().list_multipart_uploads(store.options().bucket, store.options().prefix);
    EXPECT_TRUE(open.ok()) << open.error().message;
    return open.ok() ? open->size() : 0;
  }

  testing::CephGateway gateway_;
  std::string bucket_;
  observability::Metrics metrics_;
};

TEST_F(S3StoreOpsTest, MetricsCountTheBytesTheStoreAcceptedAndEachOperationsLatency) {
  auto store = make_store("ceph", "recordings/");
  const std::string big = bytes_of(2 * kPart + 100, 1);  // three parts
  ASSERT_TRUE(write(*store, "hospital-a/r1.k1.wse", big).ok());
  const std::string small = bytes_of(1000, 2);  // one PutObject
  ASSERT_TRUE(write(*store, "hospital-a/r2.k1.wse", small).ok());

  const std::string text = metrics_.render();
  EXPECT_THAT(text, HasSubstr("wasl_object_store_bytes_written_total{store=\"ceph\"} " +
                              std::to_string(big.size() + small.size()) + "\n"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_up{store=\"ceph\"} 1"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_request_seconds_count{operation=\"upload_part\","
                              "store=\"ceph\"} 3"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_request_seconds_count{operation=\"put_object\","
                              "store=\"ceph\"} 1"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_requests_total{operation="
                              "\"complete_multipart_upload\",outcome=\"200\",store=\"ceph\"} 1"));
  EXPECT_EQ(store->monitor().state().reachability, StoreState::Reachability::kUp);
}

TEST_F(S3StoreOpsTest, AGatewayThatGoesAwayIsDownWithItsLastErrorThenUpAgain) {
  ObjectStores stores(std::make_unique<LocalObjectStore>(std::filesystem::temp_directory_path()));
  ASSERT_TRUE(stores.add("ceph", make_store("ceph", "recordings/")).ok());
  ASSERT_TRUE(stores.set_active("ceph").ok());
  EXPECT_EQ(stores_health(stores)["state"], "unknown");

  ASSERT_TRUE(stores.active().head("hospital-a/none.k1.wse").ok());  // 404: answered
  nlohmann::json up = stores_health(stores);
  EXPECT_EQ(up["active"], "ceph");
  EXPECT_EQ(up["kind"], "s3");
  EXPECT_EQ(up["state"], "up");
  EXPECT_FALSE(up.contains("last_error"));

  ASSERT_EQ(gateway_.stop_gateway(), 0);
  auto gone = stores.active().head("hospital-a/none.k1.wse");
  ASSERT_EQ(gateway_.start_gateway(), 0);
  ASSERT_FALSE(gone.ok());
  nlohmann::json down = stores_health(stores);
  EXPECT_EQ(down["state"], "down");
  EXPECT_EQ(down["last_error"], "head_object: no answer (unavailable)") << down.dump();
  EXPECT_TRUE(down.contains("last_error_at"));
  EXPECT_EQ(down["stores"]["ceph"]["state"], "down");
  EXPECT_EQ(down["stores"]["local"], nlohmann::json::parse(R"({"kind": "local"})"));
  EXPECT_THAT(metrics_.render(), HasSubstr("wasl_object_store_up{store=\"ceph\"} 0"));

  ASSERT_TRUE(stores.active().head("hospital-a/none.k1.wse").ok());
  nlohmann::json again = stores_health(stores);
  EXPECT_EQ(again["state"], "up");
  EXPECT_EQ(again["last_error"], "head_object: no answer (unavailable)");  // the last one, kept
  EXPECT_THAT(metrics_.render(), HasSubstr("wasl_object_store_up{store=\"ceph\"} 1"));
}

TEST_F(S3StoreOpsTest, AWrongSecretIsDownAndNamesNeitherKeyNorSecret) {
  auto store = make_store("ceph", "recordings/", "not-the-secret");
  auto head = store->head("hospital-a/secret-recording.k1.wse");
  ASSERT_FALSE(head.ok());
  const StoreState state = store->monitor().state();
  EXPECT_EQ(state.reachability, StoreState::Reachability::kDown);
  EXPECT_EQ(state.last_error, "head_object: the store answered HTTP 403");
  EXPECT_THAT(state.last_error, Not(HasSubstr("secret-recording")));
}

TEST_F(S3StoreOpsTest, TheSweepAbortsStaleUploadsInEveryS3StoreAndKeepsLiveOnes) {
  ObjectStores stores(std::make_unique<LocalObjectStore>(std::filesystem::temp_directory_path()));
  ASSERT_TRUE(stores.add("ceph", make_store("ceph", "recordings/")).ok());
  ASSERT_TRUE(stores.add("ceph-old", make_store("ceph-old", "old/")).ok());
  auto& ceph = dynamic_cast<S3ObjectStore&>(*stores.find("ceph"));
  auto& old = dynamic_cast<S3ObjectStore&>(*stores.find("ceph-old"));
  ASSERT_TRUE(ceph.client().create_multipart_upload(bucket_, "recordings/h/a.k1.wse").ok());
  ASSERT_TRUE(ceph.client().create_multipart_upload(bucket_, "recordings/h/b.k1.wse").ok());
  ASSERT_TRUE(old.client().create_multipart_upload(bucket_, "old/h/c.k1.wse").ok());
  // Outside every store's prefix: never touched.
  ASSERT_TRUE(ceph.client().create_multipart_upload(bucket_, "elsewhere/d.bin").ok());

  const auto now = std::chrono::system_clock::now();
  const std::chrono::seconds day = std::chrono::hours(24);
  std::vector<StoreSweep> live = sweep_stale_uploads(stores, day, now);
  ASSERT_EQ(live.size(), 2u);  // the S3 stores, not the local one
  EXPECT_EQ(live[0].store, "ceph");
  EXPECT_EQ(live[0].aborted, 0);
  EXPECT_EQ(live[1].aborted, 0);
  EXPECT_EQ(open_uploads(ceph), 2u);
  EXPECT_EQ(open_uploads(old), 1u);

  std::vector<StoreSweep> stale =
      sweep_stale_uploads(stores, day, now + day + std::chrono::hours(1));
  ASSERT_EQ(stale.size(), 2u);
  EXPECT_EQ(stale[0].store, "ceph");
  EXPECT_EQ(stale[0].aborted, 2);
  EXPECT_EQ(stale[1].store, "ceph-old");
  EXPECT_EQ(stale[1].aborted, 1);
  EXPECT_EQ(stale[0].failed + stale[1].failed, 0);
  EXPECT_TRUE(stale[0].error.empty());
  EXPECT_EQ(open_uploads(ceph), 0u);
  EXPECT_EQ(open_uploads(old), 0u);
  auto elsewhere = ceph.client().list_multipart_uploads(bucket_, "elsewhere/");
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(elsewhere->size(), 1u);
}

TEST_F(S3StoreOpsTest, AStoreThatCannotBeListedDoesNotStopTheOthers) {
  ObjectStores stores(std::make_unique<LocalObjectStore>(std::filesystem::temp_directory_path()));
  ASSERT_TRUE(stores.add("broken", make_store("broken", "recordings/", "not-the-secret")).ok());
  ASSERT_TRUE(stores.add("ceph", make_store("ceph", "recordings/")).ok());
  auto& ceph = dynamic_cast<S3ObjectStore&>(*stores.find("ceph"));
  ASSERT_TRUE(ceph.client().create_multipart_upload(bucket_, "recordings/h/a.k1.wse").ok());

  const auto later = std::chrono::system_clock::now() + std::chrono::hours(48);
  std::vector<StoreSweep> swept = sweep_stale_uploads(stores, std::chrono::hours(24), later);
  ASSERT_EQ(swept.size(), 2u);
  EXPECT_EQ(swept[0].store, "broken");
  EXPECT_FALSE(swept[0].error.empty());
  EXPECT_THAT(swept[0].error, Not(HasSubstr("not-the-secret")));
  EXPECT_EQ(swept[1].store, "ceph");
  EXPECT_EQ(swept[1].aborted, 1);
  EXPECT_EQ(open_uploads(ceph), 0u);
}

}  // namespace
}  // namespace wasl::object_store
