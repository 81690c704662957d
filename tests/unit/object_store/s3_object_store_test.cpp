// S3ObjectStore against the real Ceph RADOS Gateway of the ctest fixture
// "ceph" (scripts/test-ceph): multipart uploads in bounded parts, ranged
// reads, abort and the cleanup of uploads a crash left behind, the probe
// `wasl check` runs, and a gateway that goes away mid-upload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/object_store/s3_object_store.hpp"
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

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = testing::CephGateway::from_fixture(WASL_BINARY_DIR);
    bucket_ = random_name("wasl-store-");
    make_bucket(gateway_, bucket_);
    store_ = make_store(gateway_.secret_key);
  }

  std::unique_ptr<S3ObjectStore> make_store(const std::string& secret, int in_flight = 3) {
    S3StoreOptions options;
    options.name = "ceph";
    options.endpoint.base_url = gateway_.endpoint;
    options.endpoint.region = gateway_.region;
    options.endpoint.credentials = {gateway_.access_key, secret, std::nullopt};
    options.bucket = bucket_;
    options.prefix = "recordings/";
    options.part_size = kPart;
    options.parts_in_flight = in_flight;
    options.max_attempts = 2;
    options.request_timeout = std::chrono::seconds(10);
    options.transfer_timeout = std::chrono::seconds(30);
    auto store = S3ObjectStore::create(std::move(options));
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::move(store).value();
  }

  std::string read_all(std::string_view key, std::uint64_t offset, std::uint64_t length) {
    std::string out;
    auto read = store_->read(key, offset, length, [&out](std::string_view chunk) {
      out.append(chunk);
      return sdk::Status();
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return out;
  }

  sdk::Result<ObjectInfo> write(std::string_view key, const std::string& bytes,
                                std::size_t piece = 1 << 20) {
    WASL_ASSIGN_OR_RETURN(auto writer, store_->create(key));
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      WASL_RETURN_IF_ERROR(writer->write(std::string_view(bytes).substr(at, piece)));
    }
    return writer->commit();
  }

  std::size_t open_uploads() {
    auto open = store_->client().list_multipart_uploads(bucket_, "recordings/");
    EXPECT_TRUE(open.ok()) << open.error().message;
    return open.ok() ? open->size() : 0;
  }

  testing::CephGateway gateway_;
  std::string bucket_;
  std::unique_ptr<S3ObjectStore> store_;
};

TEST_F(S3ObjectStoreTest, AnObjectOfSeveralPartsReadsBackWhole) {
  const std::string bytes = bytes_of(3 * kPart + 12345, 1);
  auto written = write("hospital-a/rec1.k1.wse", bytes, 777777);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(written->key, "hospital-a/rec1.k1.wse");
  EXPECT_EQ(written->size, bytes.size());
  EXPECT_EQ(read_all("hospital-a/rec1.k1.wse", 0, bytes.size()), bytes);
  auto head = store_->head("hospital-a/rec1.k1.wse");
  ASSERT_TRUE(head.ok() && *head);
  EXPECT_EQ((*head)->size, bytes.size());
  EXPECT_EQ(open_uploads(), 0u);
}

TEST_F(S3ObjectStoreTest, RangesReadExactlyTheirBytes) {
  const std::string bytes = bytes_of(2 * kPart + 100, 2);
  ASSERT_TRUE(write("hospital-a/rec2.k1.wse", bytes).ok());
  const std::string key = "hospital-a/rec2.k1.wse";
  EXPECT_EQ(read_all(key, 0, 1), bytes.substr(0, 1));
  EXPECT_EQ(read_all(key, bytes.size() / 2, 4096), bytes.substr(bytes.size() / 2, 4096));
  EXPECT_EQ(read_all(key, bytes.size() - 1, 1), bytes.substr(bytes.size() - 1));
  EXPECT_EQ(read_all(key, kPart - 10, 20), bytes.substr(kPart - 10, 20));  // over a part boundary
}

TEST_F(S3ObjectStoreTest, ASmallObjectIsOnePutAndListedUnderItsPrefix) {
  ASSERT_TRUE(write("hospital-a/small.k1.wse", "tiny").ok());
  ASSERT_TRUE(write("hospital-b/other.k1.wse", "other").ok());
  auto listed = store_->list("hospital-a/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().key, "hospital-a/small.k1.wse");
  EXPECT_EQ(listed->front().size, 4u);
  EXPECT_EQ(read_all("hospital-a/small.k1.wse", 0, 4), "tiny");
}

TEST_F(S3ObjectStoreTest, TheLocatorNamesBucketAndKeyAndResolvesBack) {
  const std::string locator = store_->locator("hospital-a/rec.k1.wse");
  EXPECT_EQ(locator, "s3://" + bucket_ + "/recordings/hospital-a/rec.k1.wse");
  EXPECT_EQ(store_->key_of(locator), "hospital-a/rec.k1.wse");
  EXPECT_EQ(store_->key_of("s3://another-bucket/recordings/hospital-a/rec.k1.wse"), std::nullopt);
  EXPECT_EQ(store_->key_of("var/recordings/hospital-a/rec.k1.wse"), std::nullopt);
}

TEST_F(S3ObjectStoreTest, AnAbortedObjectLeavesNothing) {
  auto writer = store_->create("hospital-a/aborted.k1.wse");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->write(bytes_of(2 * kPart, 3)).ok());
  (*writer)->abort();
  auto head = store_->head("hospital-a/aborted.k1.wse");
  ASSERT_TRUE(head.ok());
  EXPECT_FALSE(*head);
  EXPECT_EQ(open_uploads(), 0u);
}

TEST_F(S3ObjectStoreTest, TheNextWriterOfAKeyFreesTheUploadACrashLeft) {
  // A crashed hub: an upload begun, parts sent, never completed nor aborted.
  const std::string key = "recordings/hospital-a/crashed.k1.wse";
  auto upload = store_->client().create_multipart_upload(bucket_, key);
  ASSERT_TRUE(upload.ok()) << upload.error().message;
  ASSERT_TRUE(store_->client().upload_part(bucket_, key, *upload, 1, bytes_of(kPart, 4)).ok());
  ASSERT_EQ(open_uploads(), 1u);

  const std::string bytes = bytes_of(kPart + 1, 5);
  ASSERT_TRUE(write("hospital-a/crashed.k1.wse", bytes).ok());
  EXPECT_EQ(open_uploads(), 0u);
  EXPECT_EQ(read_all("hospital-a/crashed.k1.wse", 0, bytes.size()), bytes);
}

TEST_F(S3ObjectStoreTest, StaleUploadsAreAbortedAndLiveOnesKept) {
  auto upload = store_->client().create_multipart_upload(bucket_, "recordings/x/left.k1.wse");
  ASSERT_TRUE(upload.ok());
  const auto now = std::chrono::system_clock::now();
  auto young = store_->abort_stale_uploads(std::chrono::hours(1), now);
  ASSERT_TRUE(young.ok()) << young.error().message;
  EXPECT_EQ(young->aborted, 0);
  EXPECT_EQ(open_uploads(), 1u);
  auto old = store_->abort_stale_uploads(std::chrono::hours(1), now + std::chrono::hours(2));
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->aborted, 1);
  EXPECT_EQ(open_uploads(), 0u);
}

TEST_F(S3ObjectStoreTest, RemoveDeletesAndAnAbsentKeyIsNoError) {
  ASSERT_TRUE(write("hospital-a/gone.k1.wse", "bytes").ok());
  EXPECT_TRUE(store_->remove("hospital-a/gone.k1.wse").ok());
  auto head = store_->head("hospital-a/gone.k1.wse");
  ASSERT_TRUE(head.ok());
  EXPECT_FALSE(*head);
  EXPECT_TRUE(store_->remove("hospital-a/gone.k1.wse").ok());
}

TEST_F(S3ObjectStoreTest, KeysOutsideTheGrammarAreRefused) {
  EXPECT_EQ(store_->create("../escape.wse").error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->remove("/absolute").error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST_F(S3ObjectStoreTest, TheProbeWritesAndDeletesAndNamesAWrongSecret) {
  EXPECT_TRUE(store_->probe().ok());
  auto listed = store_->list("");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());  // the probe object is gone

  auto wrong = make_store("not-the-secret");
  sdk::Status probed = wrong->probe();
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.error().code, sdk::ErrorCode::kPermissionDenied);
  EXPECT_THAT(probed.error().message, HasSubstr("write a probe object to bucket " + bucket_));
  EXPECT_THAT(probed.error().message, Not(HasSubstr("not-the-secret")));
}

TEST_F(S3ObjectStoreTest, AGatewayGoneMidUploadFailsRetryablyAndLaterWritesSucceed) {
  auto writer = store_->create("hospital-a/outage.k1.wse");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->write(bytes_of(kPart, 6)).ok());
  ASSERT_EQ(gateway_.stop_gateway(), 0);
  sdk::Status failed = (*writer)->write(bytes_of(kPart, 7));
  auto committed = failed.ok() ? (*writer)->commit() : sdk::Result<ObjectInfo>(failed.error());
  ASSERT_EQ(gateway_.start_gateway(), 0);
  ASSERT_FALSE(committed.ok());
  EXPECT_TRUE(committed.error().retryable) << committed.error().message;
  writer->reset();  // aborts what is left

  const std::string bytes = bytes_of(2 * kPart, 8);
  auto again = write("hospital-a/outage.k1.wse", bytes);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(read_all("hospital-a/outage.k1.wse", 0, bytes.size()), bytes);
  EXPECT_EQ(open_uploads(), 0u);
}

}  // namespace
}  // namespace wasl::object_store
