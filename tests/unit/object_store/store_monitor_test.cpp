// StoreMonitor without a store: which S3 operation a request is, what makes
// a store up or down, what is exported to /metrics, and what /readyz shows
// of a deployment with only the local store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "hub/object_store/local_object_store.hpp"
#include "hub/object_store/store_health.hpp"
#include "hub/object_store/store_monitor.hpp"

namespace wasl::object_store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

sdk::HttpRequest request(std::string method, std::string url) {
  sdk::HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  return r;
}

sdk::HttpResponse answer(int status) {
  sdk::HttpResponse r;
  r.status = status;
  return r;
}

const std::string kObject = "http://127.0.0.1:7480/bucket/recordings/f/r.k1.wse";

TEST(S3Operation, IsReadFromMethodAndQuery) {
  EXPECT_EQ(s3_operation(request("PUT", kObject + "?partNumber=3&uploadId=u")), "upload_part");
  EXPECT_EQ(s3_operation(request("PUT", kObject)), "put_object");
  EXPECT_EQ(s3_operation(request("POST", kObject + "?uploads")), "create_multipart_upload");
  EXPECT_EQ(s3_operation(request("POST", kObject + "?uploadId=u")), "complete_multipart_upload");
  EXPECT_EQ(s3_operation(request("DELETE", kObject + "?uploadId=u")), "abort_multipart_upload");
  EXPECT_EQ(s3_operation(request("DELETE", kObject)), "delete_object");
  EXPECT_EQ(s3_operation(request("GET", "http://h/bucket?prefix=r%2F&uploads")),
            "list_multipart_uploads");
  EXPECT_EQ(s3_operation(request("GET", "http://h/bucket?list-type=2&prefix=r")), "list_objects");
  EXPECT_EQ(s3_operation(request("GET", kObject)), "get_object");
  EXPECT_EQ(s3_operation(request("HEAD", kObject)), "head_object");
}

TEST(StoreMonitor, IsUnknownUntilItsFirstRequest) {
  StoreMonitor monitor("ceph", nullptr);
  EXPECT_EQ(monitor.state().reachability, StoreState::Reachability::kUnknown);
  EXPECT_TRUE(monitor.state().last_error.empty());
}

TEST(StoreMonitor, NoAnswerOr5xxOr403IsDownAndAnyOtherAnswerUp) {
  StoreMonitor monitor("ceph", nullptr);
  monitor.record(request("HEAD", kObject), 0, answer(404), 0.01, 1000);
  EXPECT_EQ(monitor.state().reachability, StoreState::Reachability::kUp);
  EXPECT_EQ(monitor.state().last_success_at_ms, 1000);

  monitor.record(request("PUT", kObject + "?partNumber=1&uploadId=u"), 0,
                 sdk::Error(sdk::ErrorCode::kUnavailable, "connect to 127.0.0.1 refused", true),
                 0.01, 2000);
  StoreState down = monitor.state();
  EXPECT_EQ(down.reachability, StoreState::Reachability::kDown);
  EXPECT_EQ(down.last_error, "upload_part: no answer (unavailable)");
  EXPECT_EQ(down.last_error_at_ms, 2000);

  monitor.record(request("GET", kObject), 0, answer(200), 0.01, 3000);
  EXPECT_EQ(monitor.state().reachability, StoreState::Reachability::kUp);
  EXPECT_EQ(monitor.state().last_error, "upload_part: no answer (unavailable)");  // kept

  monitor.record(request("POST", kObject + "?uploads"), 0, answer(503), 0.01, 4000);
  EXPECT_EQ(monitor.state().reachability, StoreState::Reachability::kDown);
  EXPECT_EQ(monitor.state().last_error, "create_multipart_upload: the store answered HTTP 503");

  monitor.record(request("PUT", kObject), 0, answer(403), 0.01, 5000);
  EXPECT_EQ(monitor.state().reachability, StoreState::Reachability::kDown);
  EXPECT_EQ(monitor.state().last_error, "put_object: the store answered HTTP 403");

  monitor.record(request("POST", kObject + "?uploadId=u"), 0, answer(412), 0.01, 6000);
  EXPECT_EQ(monitor.state().reachability, StoreState::Reachability::kUp);
}

TEST(StoreMonitor, AReaderThatStopsTheTransferSaysNothingAboutTheStore) {
  StoreMonitor monitor("ceph", nullptr);
  monitor.record(request("GET", kObject), 0, answer(206), 0.01, 1000);
  monitor.record(request("GET", kObject), 0,
                 sdk::Error(sdk::ErrorCode::kCancelled, "the reader stopped", false), 0.01, 2000);
  EXPECT_EQ(monitor.state().reachability, StoreState::Reachability::kUp);
  EXPECT_TRUE(monitor.state().last_error.empty());
}

TEST(StoreMonitor, ExportsStateLatencyAndAcceptedBytesPerStore) {
  observability::Metrics metrics;
  StoreMonitor ceph("ceph", &metrics);
  StoreMonitor other("other", &metrics);
  ceph.record(request("PUT", kObject + "?partNumber=1&uploadId=u"), 1000, answer(200), 0.2, 1000);
  ceph.record(request("PUT", kObject), 24, answer(200), 0.002, 1000);
  // Not accepted: not counted as written.
  ceph.record(request("PUT", kObject), 500, answer(400), 0.002, 1000);
  other.record(request("HEAD", kObject), 0,
               sdk::Error(sdk::ErrorCode::kUnavailable, "refused", true), 0.5, 1000);
  const std::string text = metrics.render();
  EXPECT_THAT(text, HasSubstr("wasl_object_store_up{store=\"ceph\"} 1"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_up{store=\"other\"} 0"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_bytes_written_total{store=\"ceph\"} 1024"));
  EXPECT_THAT(text, Not(HasSubstr("wasl_object_store_bytes_written_total{store=\"other\"}")));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_request_seconds_count{operation=\"upload_part\","
                              "store=\"ceph\"} 1"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_request_seconds_bucket{operation=\"upload_part\","
                              "store=\"ceph\",le=\"0.25\"} 1"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_request_seconds_bucket{operation=\"upload_part\","
                              "store=\"ceph\",le=\"0.1\"} 0"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_requests_total{operation=\"put_object\","
                              "outcome=\"400\",store=\"ceph\"} 1"));
  EXPECT_THAT(text, HasSubstr("wasl_object_store_requests_total{operation=\"head_object\","
                              "outcome=\"unavailable\",store=\"other\"} 1"));
}

TEST(StoresHealth, TheLocalStoreAloneIsActiveWithItsKindOnly) {
  ObjectStores stores(std::make_unique<LocalObjectStore>(std::filesystem::temp_directory_path()));
  const nlohmann::json health = stores_health(stores);
  EXPECT_EQ(health["active"], "local");
  EXPECT_EQ(health["kind"], "local");
  EXPECT_FALSE(health.contains("state"));
  EXPECT_EQ(health["stores"], nlohmann::json::parse(R"({"local": {"kind": "local"}})"));
}

}  // namespace
}  // namespace wasl::object_store
