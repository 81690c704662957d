// The SDK's S3Client as the Chime plugin uses it: over the Host, paced and
// retried per the instance's settings.
#include "plugins/chime/s3_host_transport.hpp"

#include <gtest/gtest.h>

#include "plugins/chime/tests/queued_response_host.hpp"

namespace wasl::plugins::chime {
namespace {

using testing::QueuedResponseHost;

constexpr char kUrl[] = "https://s3.us-east-1.amazonaws.com/bucket/dir/file%20one.mp4";

class S3HostTransportTest : public ::testing::Test {
 protected:
  S3HostTransportTest()
      : transport_(host_, {"AKID", "SECRET", std::nullopt}, "us-east-1", rate_limit(), retry(),
                   std::chrono::seconds(5), {}, [](std::chrono::nanoseconds) {}),
        s3_transport_(transport_),
        client_(s3_transport_, endpoint(), options()) {
    host_.fake.stream_chunk_size = 1000;
  }
  static RateLimitSettings rate_limit() { return {10, 20, std::chrono::milliseconds(10000)}; }
  static RetrySettings retry() {
    return {3, std::chrono::milliseconds(5000), std::chrono::milliseconds(200)};
  }
  static sdk::aws::S3Endpoint endpoint() {
    ChimeSettings settings;
    settings.s3 = *parse_endpoint("https://s3.us-east-1.amazonaws.com", "s3");
    settings.region = "us-east-1";
    settings.credentials = {"AKID", "SECRET", std::nullopt};
    return s3_endpoint(settings);
  }
  static sdk::aws::S3ClientOptions options() {
    ChimeSettings settings;
    settings.retry = retry();
    settings.request_timeout = std::chrono::seconds(5);
    settings.media_timeout = std::chrono::seconds(60);
    return s3_options(settings);
  }
  static std::string header(const sdk::HttpRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return {};
  }

  QueuedResponseHost host_;
  AwsTransport transport_;
  S3HostTransport s3_transport_;
  sdk::aws::S3Client client_;
};

TEST_F(S3HostTransportTest, AnErrorDocumentNeverReachesTheSink) {
  sdk::HttpResponse missing;
  missing.status = 404;
  missing.body =
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
      "</Message><RequestId>R1</RequestId></Error>";
  host_.queue("GET", kUrl, missing);
  std::string received;
  auto read =
      client_.get_object("bucket", "dir/file one.mp4", 0, std::nullopt, [&](std::string_view c) {
        received.append(c);
        return sdk::Status();
      });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_NE(read.error().message.find("NoSuchKey"), std::string::npos);
  EXPECT_TRUE(received.empty());
}

TEST_F(S3HostTransportTest, ABrokenTransferResumesWithRangeAndIfMatch) {
  std::string object(30000, 'x');
  for (std::size_t i = 0; i < object.size(); ++i) object[i] = static_cast<char>(i % 253);
  sdk::HttpResponse first;
  first.status = 200;
  first.headers = {{"Content-Length", "30000"}, {"ETag", "\"v1\""}, {"Content-Type", "video/mp4"}};
  first.body = object.substr(0, 12000);  // the connection broke after 12000 bytes
  sdk::HttpResponse rest;
  rest.status = 206;
  rest.headers = {{"Content-Length", "18000"},
                  {"Content-Range", "bytes 12000-29999/30000"},
                  {"ETag", "\"v1\""}};
  rest.body = object.substr(12000);
  host_.queue("GET", kUrl, first);
  host_.queue("GET", kUrl, rest);
  std::string received;
  auto read =
      client_.get_object("bucket", "dir/file one.mp4", 0, std::nullopt, [&](std::string_view c) {
        received.append(c);
        return sdk::Status();
      });
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(received, object);
  EXPECT_EQ(read->delivered, 30000);
  EXPECT_EQ(read->object_size, 30000);
  auto sent = host_.fake.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(header(sent[0], "Range"), "");
  EXPECT_EQ(header(sent[1], "Range"), "bytes=12000-");
  EXPECT_EQ(header(sent[1], "If-Match"), "\"v1\"");
  EXPECT_NE(header(sent[1], "Authorization").find("if-match;range"), std::string::npos);
}

TEST_F(S3HostTransportTest, TheSinksErrorStopsTheTransferAndIsReturned) {
  sdk::HttpResponse ok;
  ok.status = 200;
  ok.headers = {{"Content-Length", "50000"}};
  ok.body = std::string(50000, 'a');
  host_.queue("GET", kUrl, ok);
  int calls = 0;
  auto read =
      client_.get_object("bucket", "dir/file one.mp4", 0, std::nullopt, [&](std::string_view) {
        ++calls;
        return sdk::Status(sdk::Error(sdk::ErrorCode::kCancelled, "disk full", false));
      });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().message, "disk full");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(host_.fake.requests().size(), 1u);
}

}  // namespace
}  // namespace wasl::plugins::chime
